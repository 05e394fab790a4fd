package outbound

import "testing"

func TestPublicOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "[::1]:443", "10.1.2.3:443", "192.168.0.1:443", "169.254.169.254:80",
		"100.64.0.1:443", "0.0.0.0:443", "[fe80::1]:443", "[::ffff:127.0.0.1]:443", "224.0.0.1:443"} {
		if err := PublicOnly("tcp", addr, nil); err == nil {
			t.Errorf("%s: allowed", addr)
		}
	}
	for _, addr := range []string{"8.8.8.8:443", "[2001:4860:4860::8888]:443"} {
		if err := PublicOnly("tcp", addr, nil); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

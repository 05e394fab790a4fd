package secretbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal([]byte("secret"), []byte("aad"))
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := b.Open(sealed, []byte("aad"))
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	for name, tc := range map[string]struct {
		box    *Box
		sealed []byte
		aad    string
	}{
		"wrong aad":     {b, sealed, "other"},
		"wrong key":     {other, sealed, "aad"},
		"tampered":      {b, tampered, "aad"},
		"truncated":     {b, sealed[:10], "aad"},
		"empty":         {b, nil, "aad"},
		"wrong version": {b, append([]byte{9}, sealed[1:]...), "aad"},
	} {
		if _, err := tc.box.Open(tc.sealed, []byte(tc.aad)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("New accepted a short key")
	}
}

func TestLoadKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	if _, _, err := LoadKeyFile(path, false); err == nil {
		t.Fatal("missing file accepted without create")
	}
	k1, created, err := LoadKeyFile(path, true)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("create: %v %v %d", err, created, len(k1))
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v", fi.Mode(), err)
	}
	k2, created, err := LoadKeyFile(path, true)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("reload: %v %v", err, created)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("not base64!"), 0o600)
	if _, _, err := LoadKeyFile(bad, false); err == nil {
		t.Fatal("bad key accepted")
	}
}

// Processes starting together on a new database: one key, created once,
// and nobody reads a half-written file.
func TestLoadKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 16
	keys, created := make([][]byte, n), make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			keys[i], created[i], err = LoadKeyFile(path, true)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	count := 0
	for i := range n {
		if created[i] {
			count++
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatal("processes got different keys")
		}
	}
	if count != 1 {
		t.Fatalf("created by %d processes", count)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".masterkey-*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

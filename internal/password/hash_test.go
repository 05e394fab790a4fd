package password

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// fast are cheap valid params for tests that do not measure cost.
var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newHasher(t testing.TB, p Params, n int) *Hasher {
	t.Helper()
	h, err := NewHasher(p, n)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashFormat(t *testing.T) {
	h := newHasher(t, DefaultParams(), 0)
	enc, err := h.Hash(t.Context(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(enc) {
		t.Fatalf("Hash = %q, not the PHC format", enc)
	}
	ok, rehash, err := h.Verify(t.Context(), "correct horse", enc)
	if !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	enc2, _ := h.Hash(t.Context(), "correct horse")
	if enc2 == enc {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestRoundTrip(t *testing.T) {
	h := newHasher(t, fast, 0)
	for _, pw := range []string{"", "a", "correct horse battery staple", "pässwörd 密码", "nul\x00byte", "\xff\xfe", strings.Repeat("x", MaxLength)} {
		enc, err := h.Hash(t.Context(), pw)
		if err != nil {
			t.Fatalf("Hash(%q): %v", pw, err)
		}
		if ok, rehash, err := h.Verify(t.Context(), pw, enc); !ok || rehash || err != nil {
			t.Errorf("Verify(%q) = %v, %v, %v; want true, false, nil", pw, ok, rehash, err)
		}
		if ok, rehash, err := h.Verify(t.Context(), pw+"x", enc); ok || rehash || err != nil {
			t.Errorf("Verify(wrong %q) = %v, %v, %v; want false, false, nil", pw, ok, rehash, err)
		}
	}
}

func TestHashTooLong(t *testing.T) {
	h := newHasher(t, fast, 0)
	if _, err := h.Hash(t.Context(), strings.Repeat("x", MaxLength+1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Hash(MaxLength+1) err = %v, want ErrTooLong", err)
	}
	enc, _ := h.Hash(t.Context(), "x")
	if ok, _, err := h.Verify(t.Context(), strings.Repeat("x", MaxLength+1), enc); ok || err != nil {
		t.Fatalf("Verify(MaxLength+1) = %v, %v; want false, nil", ok, err)
	}
}

func TestRehash(t *testing.T) {
	old := newHasher(t, fast, 0)
	enc, err := old.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    Params
		want bool
	}{
		{"same", fast, false},
		{"memory", Params{128, 1, 1, 16, 32}, true},
		{"time", Params{64, 2, 1, 16, 32}, true},
		{"threads", Params{64, 1, 2, 16, 32}, true},
		{"salt", Params{64, 1, 1, 32, 32}, true},
		{"key", Params{64, 1, 1, 16, 64}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHasher(t, tt.p, 0)
			ok, rehash, err := h.Verify(t.Context(), "pw", enc)
			if !ok || rehash != tt.want || err != nil {
				t.Fatalf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tt.want)
			}
			// A wrong password never asks for a rehash.
			if ok, rehash, err := h.Verify(t.Context(), "wrong", enc); ok || rehash || err != nil {
				t.Fatalf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestBcrypt(t *testing.T) {
	h := newHasher(t, fast, 0)
	b, err := bcrypt.GenerateFromPassword([]byte("legacy pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		enc := prefix + string(b[4:])
		if ok, rehash, err := h.Verify(t.Context(), "legacy pw", enc); !ok || !rehash || err != nil {
			t.Errorf("Verify(%s) = %v, %v, %v; want true, true, nil", prefix, ok, rehash, err)
		}
		if ok, rehash, err := h.Verify(t.Context(), "legacy pX", enc); ok || rehash || err != nil {
			t.Errorf("Verify(%s, wrong) = %v, %v, %v; want false, false, nil", prefix, ok, rehash, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := newHasher(t, fast, 0)
	good, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndexByte(good, '$')
	salt, key := good[len("$argon2id$v=19$m=64,t=1,p=1$"):i], good[i+1:]
	phc := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	bc, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	bcs := string(bc)

	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"plain", "pw"},
		{"argon2d", strings.Replace(good, "argon2id", "argon2d", 1)},
		{"scrypt too costly", "$scrypt$ln=17,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"},
		{"v=16", strings.Replace(good, "v=19", "v=16", 1)},
		{"no version", strings.Replace(good, "v=19$", "", 1)},
		{"missing hash", good[:i]},
		{"missing salt and hash", "$argon2id$v=19$m=64,t=1,p=1"},
		{"empty salt", phc("m=64,t=1,p=1")[:len("$argon2id$v=19$m=64,t=1,p=1$")] + "$" + key},
		{"empty hash", good[:i+1]},
		{"extra field", good + "$AAAA"},
		{"bad base64 salt", phc("m=64,t=1,p=1")[:len("$argon2id$v=19$m=64,t=1,p=1$")] + "!!!!!!!!!!!!!!!!!!!!!!$" + key},
		{"bad base64 hash", good[:i+1] + "@" + key[1:]},
		{"padded base64", good + "="},
		{"newline in base64", good[:i+5] + "\n" + good[i+5:]},
		{"non-canonical base64", good[:len(good)-1] + "B"},
		{"huge m", phc("m=4194305,t=1,p=1")},
		{"m overflow", phc("m=4294967296,t=1,p=1")},
		{"m way overflow", phc("m=99999999999999999999999,t=1,p=1")},
		{"m below 8p", phc("m=15,t=1,p=2")},
		{"m zero", phc("m=0,t=1,p=1")},
		{"t zero", phc("m=64,t=0,p=1")},
		{"t huge", phc("m=64,t=101,p=1")},
		{"p zero", phc("m=64,t=1,p=0")},
		{"p 256", phc("m=4096,t=1,p=256")},
		{"m empty", phc("m=,t=1,p=1")},
		{"m signed", phc("m=+64,t=1,p=1")},
		{"m negative", phc("m=-64,t=1,p=1")},
		{"m leading zero", phc("m=064,t=1,p=1")},
		{"m hex", phc("m=0x40,t=1,p=1")},
		{"params reordered", phc("t=1,m=64,p=1")},
		{"param missing", phc("m=64,t=1")},
		{"extra param", phc("m=64,t=1,p=1,keyid=x")},
		{"data param", phc("m=64,t=1,p=1,data=AAAA")},
		{"salt too short", phc("m=64,t=1,p=1")[:len("$argon2id$v=19$m=64,t=1,p=1$")] + "AAAAAA$" + key},
		{"salt too long", "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 400) + "$" + key},
		{"key too short", good[:i+1] + "AAAAAAAAAAAAAAAAAAAA"},
		{"key too long", good[:i+1] + strings.Repeat("A", 400)},
		{"too long overall", good + strings.Repeat("A", 2000)},
		{"bcrypt 2x", "$2x$" + bcs[4:]},
		{"bcrypt cost 31", bcs[:4] + "31" + bcs[6:]},
		{"bcrypt cost 17", bcs[:4] + "17" + bcs[6:]},
		{"bcrypt cost 03", bcs[:4] + "03" + bcs[6:]},
		{"bcrypt truncated", bcs[:59]},
		{"bcrypt bad char", bcs[:30] + "!" + bcs[31:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), "pw", tt.enc)
			if ok || rehash || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, ErrMalformedHash", tt.enc, ok, rehash, err)
			}
		})
	}
}

func TestNewHasherParams(t *testing.T) {
	bad := map[string]Params{
		"memory below 8 KiB":  {7, 1, 1, 16, 32},
		"memory below 8p KiB": {8, 1, 2, 16, 32},
		"memory above 4 GiB":  {4<<20 + 1, 1, 1, 16, 32},
		"time zero":           {64, 0, 1, 16, 32},
		"time huge":           {64, 101, 1, 16, 32},
		"threads zero":        {64, 1, 0, 16, 32},
		"salt short":          {64, 1, 1, 7, 32},
		"salt long":           {64, 1, 1, 257, 32},
		"key short":           {64, 1, 1, 16, 15},
		"key long":            {64, 1, 1, 16, 257},
		"zero":                {},
	}
	for name, p := range bad {
		if _, err := NewHasher(p, 1); err == nil {
			t.Errorf("NewHasher(%s %+v) succeeded", name, p)
		}
	}
	for _, p := range []Params{DefaultParams(), {8, 1, 1, 8, 16}, {4 << 20, 100, 255, 256, 256}} {
		h, err := NewHasher(p, 0)
		if err != nil {
			t.Errorf("NewHasher(%+v): %v", p, err)
			continue
		}
		if h.Params() != p {
			t.Errorf("Params() = %+v, want %+v", h.Params(), p)
		}
		if cap(h.sem) != runtime.GOMAXPROCS(0) {
			t.Errorf("maxConcurrent 0: cap = %d, want GOMAXPROCS %d", cap(h.sem), runtime.GOMAXPROCS(0))
		}
	}
	if h := newHasher(t, fast, 3); cap(h.sem) != 3 {
		t.Errorf("maxConcurrent 3: cap = %d", cap(h.sem))
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newHasher(t, fast, 1)
	var n int
	h.acquired = func() { n++ }
	h.VerifyDummy(t.Context(), "whatever")
	if n != 1 {
		t.Fatalf("VerifyDummy ran %d computations, want 1", n)
	}
	// The dummy is a well-formed hash with h's params that nothing matches.
	p, _, _, err := h.lim.parse(h.dummy)
	if err != nil || p != h.p {
		t.Fatalf("dummy parses as %+v, %v; want %+v", p, err, h.p)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	h.VerifyDummy(ctx, "whatever")
	if n != 1 {
		t.Fatal("VerifyDummy computed under a cancelled context")
	}
}

// TestSemaphore holds both slots of a Hasher inside the acquired hook and
// shows that a third caller waits, gives up on cancellation, and proceeds once
// a slot is released. It uses no sleeps: each step is signalled by a hook.
func TestSemaphore(t *testing.T) {
	h := newHasher(t, fast, 2)
	entered := make(chan struct{}, 10)
	waiting := make(chan struct{}, 10)
	unblock := make(chan struct{})
	h.acquired = func() { entered <- struct{}{}; <-unblock }
	h.waiting = func() { waiting <- struct{}{} }

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	start := func(ctx context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Hash(ctx, "pw")
			errs <- err
		}()
	}
	start(t.Context())
	start(t.Context())
	<-entered
	<-entered

	// Both slots are held: a third caller waits, and cancelling it returns
	// ctx.Err() without it ever entering.
	ctx, cancel := context.WithCancel(t.Context())
	start(ctx)
	<-waiting
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting Hash err = %v, want context.Canceled", err)
	}
	if len(entered) != 0 {
		t.Fatal("a third computation started while both slots were held")
	}

	// A fourth waits too, and starts once a holder finishes.
	start(t.Context())
	<-waiting
	if len(entered) != 0 {
		t.Fatal("a computation started while both slots were held")
	}
	unblock <- struct{}{} // let one holder finish
	<-entered             // the fourth (or the other holder's successor) now runs
	close(unblock)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
}

func TestContextWhileWaiting(t *testing.T) {
	h := newHasher(t, fast, 1)
	enc, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // hold the only slot
	defer h.release(h.sem)
	h.acquired = func() { t.Error("computed while the only slot was held") }

	ops := map[string]func(context.Context) error{
		"Hash":   func(ctx context.Context) error { _, err := h.Hash(ctx, "pw"); return err },
		"Verify": func(ctx context.Context) error { _, _, err := h.Verify(ctx, "pw", enc); return err },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			h.waiting = cancel // cancel once the caller is waiting
			if err := op(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			h.waiting = nil
			ctx, cancel = context.WithTimeout(t.Context(), 0)
			defer cancel()
			if err := op(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
	h.waiting = nil
	ctx, cancel := context.WithCancel(t.Context())
	h.waiting = cancel
	h.VerifyDummy(ctx, "pw") // returns without computing
}

func FuzzVerify(f *testing.F) {
	h, err := NewHasher(Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16}, 0)
	if err != nil {
		f.Fatal(err)
	}
	// Tight limits keep each input cheap; parsing is the same code.
	h.lim = limits{maxMemory: 64, maxTime: 2, maxBcryptCost: bcrypt.MinCost, maxPBKDF2Work: 64, maxScryptMem: 64, maxPhpassLog2: 8}
	h.SetHTTPClient(&http.Client{Transport: failingTransport{}})
	good, _ := h.Hash(context.Background(), "pw")
	bc, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	for _, s := range []string{"", good, string(bc), h.dummy, "$argon2id$v=19$m=4194305,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=,t=,p=$$", "$2y$04$", "$2b$99$" + strings.Repeat(".", 53)} {
		f.Add(s)
	}
	for _, v := range legacyVectors {
		if enc, err := Encode(v.in); err == nil {
			f.Add(enc)
		}
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		if _, _, _, err := defaultLimits.parse(encoded); err != nil && !errors.Is(err, ErrMalformedHash) {
			t.Fatalf("parse error %v does not wrap ErrMalformedHash", err)
		}
		ok, rehash, err := h.Verify(context.Background(), "pw", encoded)
		if err != nil && (ok || rehash) {
			t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
		}
		if rehash && !ok {
			t.Fatal("rehash without a match")
		}
	})
}

func BenchmarkHash(b *testing.B) {
	h := newHasher(b, DefaultParams(), 0)
	for b.Loop() {
		if _, err := h.Hash(b.Context(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := newHasher(b, DefaultParams(), 0)
	enc, err := h.Hash(b.Context(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := h.Verify(b.Context(), "correct horse battery staple", enc); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

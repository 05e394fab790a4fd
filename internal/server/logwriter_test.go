package server

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// A LogWriter writes every line it accepted, in order, by Close.
func TestLogWriterKeepsOrderAndFlushesOnClose(t *testing.T) {
	var out bytes.Buffer
	l := NewLogWriter(&out, 100)
	var want bytes.Buffer
	for i := range 100 {
		line := fmt.Appendf(nil, "line %d\n", i)
		want.Write(line)
		l.Write(line)
		line[0] = 'X' // the caller may reuse its buffer
	}
	l.Close()
	if out.String() != want.String() {
		t.Errorf("wrote\n%s\nwant\n%s", out.String(), want.String())
	}
	if l.Dropped() != 0 {
		t.Errorf("dropped %d", l.Dropped())
	}
	l.Write([]byte("after close\n"))
	if l.Dropped() != 1 || bytes.Contains(out.Bytes(), []byte("after")) {
		t.Errorf("a line after Close: dropped %d, out %q", l.Dropped(), out.String())
	}
}

// stuck is a writer that blocks until released, as a full pipe would.
type stuck struct {
	release chan struct{}
	entered chan struct{}
	once    sync.Once
	out     bytes.Buffer
}

func (s *stuck) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.entered) })
	<-s.release
	return s.out.Write(p)
}

// With the output stuck and the queue full, Write drops and counts rather
// than block.
func TestLogWriterDropsWhenFull(t *testing.T) {
	s := &stuck{release: make(chan struct{}), entered: make(chan struct{})}
	l := NewLogWriter(s, 4)
	l.Write([]byte("first\n")) // taken by the goroutine, which blocks in Write
	// The goroutine holds "first" in its buffer; Flush blocks once the
	// queue is seen empty.
	<-s.entered
	for range 4 {
		l.Write([]byte("queued\n"))
	}
	for range 3 {
		l.Write([]byte("dropped\n"))
	}
	if got := l.Dropped(); got != 3 {
		t.Errorf("dropped %d, want 3", got)
	}
	close(s.release)
	l.Close()
	if got := s.out.String(); got != "first\n"+"queued\nqueued\nqueued\nqueued\n" {
		t.Errorf("wrote %q", got)
	}
}

// failing fails its first write, as a full disk would, then recovers.
type failing struct {
	failed chan struct{}
	out    bytes.Buffer
}

func (f *failing) Write(p []byte) (int, error) {
	select {
	case <-f.failed:
		return f.out.Write(p)
	default:
		close(f.failed)
		return 0, errors.New("no space left on device")
	}
}

// A failed write drops the lines it held, counted, and the log goes on.
func TestLogWriterRecoversFromAFailedWrite(t *testing.T) {
	f := &failing{failed: make(chan struct{})}
	l := NewLogWriter(f, 10)
	l.Write([]byte("lost\n"))
	<-f.failed // its flush failed
	l.Write([]byte("kept\n"))
	l.Close()
	if l.Dropped() != 1 || f.out.String() != "kept\n" {
		t.Errorf("dropped %d, wrote %q; want 1 and the line after the failure", l.Dropped(), f.out.String())
	}
}

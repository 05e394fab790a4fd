package server

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"
)

// LogWriter is the writer of the log: a Write hands the line to a
// goroutine that writes it, buffered, so a request never waits for a
// syscall of the log, and a burst of lines costs one write. slog's handlers
// hold their lock across Write; with LogWriter that is a channel send.
//
// When Capacity lines are waiting, a Write drops its line and counts it
// (Dropped) rather than block the request that logs it. Close writes every
// line accepted before it: a graceful shutdown loses none.
type LogWriter struct {
	lines   chan []byte
	done    chan struct{}
	dropped atomic.Int64
	mu      sync.RWMutex // Close excludes Write; Writes run together
	closed  bool
}

// LogCapacity is the number of lines a LogWriter holds before it drops.
const LogCapacity = 8192

// NewLogWriter starts the goroutine that writes to w; Close stops it.
func NewLogWriter(w io.Writer, capacity int) *LogWriter {
	l := &LogWriter{lines: make(chan []byte, capacity), done: make(chan struct{})}
	go l.run(w)
	return l
}

// Write queues a copy of p (its caller may reuse p) and never blocks.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return len(p), nil
	}
	select {
	case l.lines <- append([]byte(nil), p...):
	default:
		l.dropped.Add(1)
	}
	return len(p), nil
}

// Dropped is the number of lines dropped so far.
func (l *LogWriter) Dropped() int64 { return l.dropped.Load() }

// Close writes the lines queued and stops; later lines are dropped.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.lines)
	}
	l.mu.Unlock()
	<-l.done
	return nil
}

// run writes the lines as they come, flushing whenever none is waiting.
// A bufio.Writer keeps its first error and refuses every write after it:
// a failed flush (a full disk, a closed pipe) counts the lines it held as
// dropped and starts a new buffer, so that the log resumes when its output
// does.
func (l *LogWriter) run(w io.Writer) {
	defer close(l.done)
	b := bufio.NewWriterSize(w, 64<<10)
	held := int64(0) // lines in b since its last flush
	flush := func() {
		if b.Flush() != nil {
			l.dropped.Add(held)
			b.Reset(w)
		}
		held = 0
	}
	for line := range l.lines {
		if _, err := b.Write(line); err != nil {
			l.dropped.Add(held + 1)
			b.Reset(w)
			held = 0
			continue
		}
		held++
		if len(l.lines) == 0 {
			flush()
		}
	}
	flush()
}

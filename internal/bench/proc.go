package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Proc reads a process's CPU time and peak resident memory from Linux's
// /proc. Elsewhere, and for a nil *Proc, both read as zero.
type Proc struct{ dir string }

// NewProc watches process pid.
func NewProc(pid int) *Proc { return &Proc{dir: "/proc/" + strconv.Itoa(pid)} }

// Self watches this process.
func Self() *Proc { return NewProc(os.Getpid()) }

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicks = 100

// CPU is the process's user and system time so far.
func (p *Proc) CPU() time.Duration {
	if p == nil {
		return 0
	}
	b, err := os.ReadFile(p.dir + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// PeakRSS is the process's peak resident set (VmHWM) in bytes, since it
// started or since the last ResetPeak.
func (p *Proc) PeakRSS() int64 {
	if p == nil {
		return 0
	}
	b, err := os.ReadFile(p.dir + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ResetPeak starts PeakRSS over from the current resident set, so that a
// phase reports its own peak (Linux 4.0+: "5" to clear_refs). Where that
// is refused, PeakRSS keeps counting from the process's start.
func (p *Proc) ResetPeak() error {
	if p == nil {
		return nil
	}
	if err := os.WriteFile(p.dir+"/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("bench: resetting the peak RSS: %w", err)
	}
	return nil
}

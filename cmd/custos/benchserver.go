package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/custos-id/custos/internal/bench"
	"github.com/custos-id/custos/internal/server"
)

// child is a server process that custos bench started: "custos serve", or
// the bare handler of "custos bench bare-server".
type child struct {
	base string // http://127.0.0.1:port
	log  string // the file of its log
	proc *bench.Proc
	stop func() error
}

// startChild runs this executable with args and returns once the process
// logs that it listens. Its log (the access log included) goes straight to
// logFile, as a server's would go to its own file or journal: no pipe
// through the load generator, which would take the copying off the
// server's CPU time and onto the generator's.
func startChild(ctx context.Context, logFile string, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own descriptor
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cmd := exec.CommandContext(cctx, self, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		cancel()
		err := <-exited
		// Wait reports the cancellation that sent SIGINT even when the
		// server then shut down cleanly: only its exit status tells.
		if cmd.ProcessState != nil && cmd.ProcessState.Success() {
			return nil
		}
		return fmt.Errorf("bench: %s: %w; see %s", args[0], err, logFile)
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(time.Minute)
	for {
		select {
		case <-tick.C:
			if addr := listening(logFile); addr != "" {
				return &child{base: "http://" + addr, log: logFile, proc: bench.NewProc(cmd.Process.Pid), stop: stop}, nil
			}
		case err := <-exited:
			exited <- err // for stop
			cancel()
			return nil, fmt.Errorf("bench: %s stopped before listening (%v); see %s", args[0], err, logFile)
		case <-timeout:
			stop()
			return nil, fmt.Errorf("bench: %s did not listen within a minute; see %s", args[0], logFile)
		}
	}
}

// listening is the address of the log's "listening" line, or "".
func listening(logFile string) string {
	f, err := os.Open(logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			return line.Addr
		}
	}
	return ""
}

// bareResponse is what the bare handler answers: the size of a short RPC
// answer, and none of custos's work.
var bareResponse = []byte(`{"callId":"00000000000000000000000000000000","errorCode":0,"apiVersion":2,"statusCode":200,"statusReason":"OK","time":"2026-01-01T00:00:00.000Z"}`)

// bareServer serves bareResponse on 127.0.0.1 with the server settings
// custos serves with, until ctx ends: the limit that a session check is
// compared with.
func bareServer(ctx context.Context, args []string, d deps) error {
	fs := newFlags("bench bare-server", d.stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	log := newLogger(d.stderr, slog.LevelInfo)
	log.Info("listening", "addr", ln.Addr().String())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(bareResponse)
	})
	return server.Serve(ctx, ln, h, server.DefaultConfig(), log)
}

package job

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// Chunks end at line ends, at most chunkSize long unless one line is
// longer, and together are the data.
func TestChunks(t *testing.T) {
	line := func(n int) string { return strings.Repeat("x", n-1) + "\n" }
	for _, tt := range []struct {
		name string
		data string
		want []int // the chunks' lengths
	}{
		{"empty", "", nil},
		{"one short line", "a\n", []int{2}},
		{"no final newline", "a\nb", []int{3}},
		{"two chunks", strings.Repeat(line(1000), 1100), []int{1048000, 52000}},
		{"exactly one chunk", strings.Repeat(line(1024), 1024), []int{chunkSize}},
		{"a line longer than a chunk", line(10) + line(chunkSize+5) + line(10), []int{10, chunkSize + 5, 10}},
		{"a long last line without newline", line(10) + strings.Repeat("y", chunkSize+1), []int{10, chunkSize + 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := chunks([]byte(tt.data))
			var lens []int
			for _, c := range got {
				lens = append(lens, len(c))
			}
			if len(lens) != len(tt.want) {
				t.Fatalf("chunk lengths %v, want %v", lens, tt.want)
			}
			for i := range lens {
				if lens[i] != tt.want[i] {
					t.Fatalf("chunk lengths %v, want %v", lens, tt.want)
				}
			}
			if string(bytes.Join(got, nil)) != tt.data {
				t.Fatal("the chunks are not the data")
			}
		})
	}
}

// An input over MaxInput is refused before anything is stored (the runner
// has no store here).
func TestSubmitTooLarge(t *testing.T) {
	r := New(Options{})
	if _, err := r.Submit(context.Background(), 1, Import, make([]byte, MaxInput+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Submit = %v, want ErrTooLarge", err)
	}
}

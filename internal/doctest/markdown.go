// Package doctest finds the shell examples of Markdown documents and checks
// the output the documents show for them, so that README.md and docs/*.md
// cannot drift from what custos answers. cmd/custos's TestDocs runs them;
// docs/README.md states the conventions for authors.
//
// A fenced block whose language is sh, bash or shell is an example that runs,
// unless the last non-blank line before it is an HTML comment
// <!-- not run: reason -->. The output it shows is the run of json, http and
// text blocks after it, each separated from the block before by blank lines
// and at most one paragraph of prose; a heading, a table, a list or any other
// block ends the run.
package doctest

import (
	"strings"
)

// Block is one shell example.
type Block struct {
	Line    int    // the line of its opening fence, from 1
	Script  string // its text
	NotRun  string // the reason given by <!-- not run: … -->; empty: it runs
	Outputs []Output
}

// Output is a block that shows what the example before it prints.
type Output struct {
	Line int
	Lang string // json, http or text
	Text string
}

// fence is one fenced block of a document.
type fence struct {
	line       int
	lang, text string
	before     []string // the lines between the previous block and this one
}

// Parse returns the shell examples of a Markdown document in order.
func Parse(doc string) []Block {
	var blocks []Block
	var last *Block // the example whose outputs may still follow
	for _, f := range fences(doc) {
		switch {
		case runnable(f.lang):
			last = nil
			blocks = append(blocks, Block{Line: f.line, Script: f.text, NotRun: notRun(f.before)})
			last = &blocks[len(blocks)-1]
		case last != nil && isOutput(f.lang) && onlyCaption(f.before):
			last.Outputs = append(last.Outputs, Output{Line: f.line, Lang: f.lang, Text: f.text})
		default:
			last = nil
		}
	}
	return blocks
}

func runnable(lang string) bool { return lang == "sh" || lang == "bash" || lang == "shell" }

func isOutput(lang string) bool { return lang == "json" || lang == "http" || lang == "text" }

// fences splits a document into its fenced blocks (``` or ~~~, as
// CommonMark closes them: the same character, at least as many).
func fences(doc string) []fence {
	var out []fence
	var before []string
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		indent, marker, info, ok := openFence(lines[i])
		if !ok {
			before = append(before, lines[i])
			continue
		}
		f := fence{line: i + 1, lang: strings.ToLower(firstWord(info)), before: before}
		var body []string
		for i++; i < len(lines); i++ {
			if closesFence(lines[i], marker) {
				break
			}
			body = append(body, dedent(lines[i], indent))
		}
		f.text = strings.Join(body, "\n")
		out = append(out, f)
		before = nil
	}
	return out
}

// openFence reports whether line opens a fenced block: up to three spaces,
// then three or more backticks or tildes, then the info string.
func openFence(line string) (indent int, marker, info string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	indent = len(line) - len(trimmed)
	if indent > 3 || len(trimmed) < 3 || (trimmed[0] != '`' && trimmed[0] != '~') {
		return 0, "", "", false
	}
	n := len(trimmed) - len(strings.TrimLeft(trimmed, trimmed[:1]))
	if n < 3 {
		return 0, "", "", false
	}
	marker, info = trimmed[:n], strings.TrimSpace(trimmed[n:])
	if marker[0] == '`' && strings.Contains(info, "`") {
		return 0, "", "", false
	}
	return indent, marker, info, true
}

func closesFence(line, marker string) bool {
	trimmed := strings.TrimLeft(line, " ")
	if len(line)-len(trimmed) > 3 || !strings.HasPrefix(trimmed, marker) {
		return false
	}
	return strings.Trim(trimmed, marker[:1]+" \t") == ""
}

func dedent(line string, indent int) string {
	for range indent {
		if !strings.HasPrefix(line, " ") {
			break
		}
		line = line[1:]
	}
	return line
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// notRun returns the reason of a <!-- not run: reason --> that is the last
// non-blank line before a block.
func notRun(before []string) string {
	for i := len(before) - 1; i >= 0; i-- {
		line := strings.TrimSpace(before[i])
		if line == "" {
			continue
		}
		inner, ok := strings.CutPrefix(line, "<!--")
		if !ok {
			return ""
		}
		inner, ok = strings.CutSuffix(inner, "-->")
		if !ok {
			return ""
		}
		reason, ok := strings.CutPrefix(strings.TrimSpace(inner), "not run:")
		if !ok {
			return ""
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return "no reason given"
		}
		return reason
	}
	return ""
}

// onlyCaption reports whether the lines between two blocks are blank lines
// and at most one paragraph of prose.
func onlyCaption(lines []string) bool {
	paragraphs, inParagraph := 0, false
	for _, line := range lines {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			inParagraph = false
			continue
		case strings.HasPrefix(line, "#"), strings.HasPrefix(line, "|"), strings.HasPrefix(line, "<"),
			strings.HasPrefix(line, "- "), strings.HasPrefix(line, "* "), strings.HasPrefix(line, "> "):
			return false
		}
		if !inParagraph {
			paragraphs++
			inParagraph = true
		}
	}
	return paragraphs <= 1
}

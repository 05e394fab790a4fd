package mail

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"slices"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"time"
	"unicode"
)

// Template is a site's own mail of one Kind in one language: the subject and the text body with
// text/template, the HTML body with html/template (which escapes every value for its place in the
// HTML). Subject and Text are required; without HTML the mail is text only.
//
// A template may use the fields of Variables ($ included), if/else, with on a field, and the
// functions and, or, not, eq, ne, lt, le, gt, ge, len, index, slice, print, println, html, js and
// urlquery. It may not declare variables, nor use range, define, block, template, printf or call:
// what a mail costs to render is then linear in the size of the template and of the values.
type Template struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// Bounds of a Template, in bytes of source.
const (
	MaxSubjectBytes = 512
	MaxTextBytes    = 16 << 10
	MaxHTMLBytes    = 64 << 10
)

// maxOutput bounds what one part renders to.
const maxOutput = 1 << 20

// The parts of a Template, as TemplateError names them.
const (
	PartSubject = "subject"
	PartText    = "text"
	PartHTML    = "html"
)

// TemplateError says what is wrong with one part of a Template.
type TemplateError struct {
	Part string // PartSubject, PartText or PartHTML
	Err  error
}

func (e *TemplateError) Error() string { return e.Part + ": " + e.Err.Error() }
func (e *TemplateError) Unwrap() error { return e.Err }

// allowedFuncs are the predefined functions a template may call.
var allowedFuncs = []string{"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice",
	"print", "println", "html", "js", "urlquery"}

// sample fills templates when they are checked.
var sample = Data{To: "jane@example.com", SiteName: "Acme", FirstName: "Jane",
	Link: "https://id.example.com/account/verify-email?token=ev1_sample", Expires: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}

// parsedTemplate is a Template ready to execute.
type parsedTemplate struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template // nil without HTML
}

// Check tells whether t is a template custos can send: each part within its bound, parsed, using only
// what Template allows, and rendering with sample data. The error is a *TemplateError naming the part.
func (t Template) Check() error {
	p, err := t.parse()
	if err != nil {
		return err
	}
	_, err = p.render("", sample)
	return err
}

// RenderTemplate builds the Message of kind for data from a site's template t. A caller falls back to
// Render when it fails: the data may hold what the sample of Check did not.
func RenderTemplate(kind Kind, t Template, data Data) (Message, error) {
	p, err := t.parse()
	if err != nil {
		return Message{}, fmt.Errorf("mail: site template %s: %w", kind, err)
	}
	m, err := p.render(kind, data)
	if err != nil {
		return Message{}, fmt.Errorf("mail: site template %s: %w", kind, err)
	}
	return m, nil
}

func (t Template) parse() (parsedTemplate, error) {
	var p parsedTemplate
	for _, part := range []struct {
		name, src string
		max       int
		required  bool
	}{{PartSubject, t.Subject, MaxSubjectBytes, true}, {PartText, t.Text, MaxTextBytes, true}, {PartHTML, t.HTML, MaxHTMLBytes, false}} {
		var err error
		switch {
		case len(part.src) > part.max:
			err = fmt.Errorf("longer than %d bytes", part.max)
		case part.required && strings.TrimSpace(part.src) == "":
			err = errors.New("missing")
		case part.src == "":
		case part.name == PartHTML:
			p.html, err = htmltemplate.New(part.name).Option("missingkey=error").Parse(part.src)
			if err == nil {
				err = checkTrees(part.name, p.html.Tree, len(p.html.Templates()))
			}
		default:
			var tt *texttemplate.Template
			tt, err = texttemplate.New(part.name).Option("missingkey=error").Parse(part.src)
			if err == nil {
				err = checkTrees(part.name, tt.Tree, len(tt.Templates()))
			}
			if part.name == PartSubject {
				p.subject = tt
			} else {
				p.text = tt
			}
		}
		if err != nil {
			return parsedTemplate{}, &TemplateError{Part: part.name, Err: err}
		}
	}
	return p, nil
}

// render executes p for data.
func (p parsedTemplate) render(kind Kind, data Data) (Message, error) {
	v, err := newView(data)
	if err != nil {
		return Message{}, err
	}
	var subject, text, html bytes.Buffer
	if err := p.subject.Execute(&limitWriter{w: &subject}, v); err != nil {
		return Message{}, &TemplateError{Part: PartSubject, Err: err}
	}
	s := strings.TrimSpace(subject.String())
	switch {
	case s == "":
		return Message{}, &TemplateError{Part: PartSubject, Err: errors.New("renders empty")}
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return Message{}, &TemplateError{Part: PartSubject, Err: errors.New("renders more than one line")}
	case len(s) > MaxSubjectBytes*2:
		return Message{}, &TemplateError{Part: PartSubject, Err: fmt.Errorf("renders longer than %d bytes", MaxSubjectBytes*2)}
	}
	if err := p.text.Execute(&limitWriter{w: &text}, v); err != nil {
		return Message{}, &TemplateError{Part: PartText, Err: err}
	}
	if strings.TrimSpace(text.String()) == "" {
		return Message{}, &TemplateError{Part: PartText, Err: errors.New("renders empty")}
	}
	if p.html != nil {
		if err := p.html.Execute(&limitWriter{w: &html}, v); err != nil {
			return Message{}, &TemplateError{Part: PartHTML, Err: err}
		}
	}
	return Message{To: data.To, Subject: s, Text: text.String(), HTML: html.String(), FromName: v.SiteName, Kind: kind}, nil
}

// checkTrees refuses what Template does not allow in the parse tree of part; n is the number of
// templates the source defined (1 unless it used define or block).
func checkTrees(part string, tree *parse.Tree, n int) error {
	if n > 1 {
		return errors.New("define and block are not allowed")
	}
	if tree == nil || tree.Root == nil {
		return nil
	}
	return checker{tree}.node(tree.Root)
}

// isField tells whether p is a lone field: .FirstName or $.FirstName.
func isField(p *parse.PipeNode) bool {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) == 2 && a.Ident[0] == "$"
	}
	return false
}

// checker walks one parse tree.
type checker struct{ tree *parse.Tree }

// fail is an error at n: "text:3:5: …".
func (c checker) fail(n parse.Node, format string, args ...any) error {
	loc, _ := c.tree.ErrorContext(n)
	return fmt.Errorf("%s: %s", loc, fmt.Sprintf(format, args...))
}

func (c checker) node(node parse.Node) error {
	switch n := node.(type) {
	case *parse.TextNode, *parse.CommentNode, *parse.DotNode, *parse.NilNode, *parse.BoolNode,
		*parse.NumberNode, *parse.StringNode:
		return nil
	case *parse.ListNode:
		return c.nodes(n.Nodes...)
	case *parse.ActionNode:
		return c.node(n.Pipe)
	case *parse.PipeNode:
		// A variable could hold a value built from itself, doubling at each
		// declaration: what a mail costs would grow with 2^(template size).
		if len(n.Decl) > 0 || n.IsAssign {
			return c.fail(n, "variables are not allowed")
		}
		for _, cmd := range n.Cmds {
			if err := c.nodes(cmd.Args...); err != nil {
				return err
			}
		}
		return nil
	case *parse.IfNode:
		return c.branch(&n.BranchNode)
	case *parse.WithNode:
		// with sets dot, which a body may repeat: only to a field, so that
		// nested withs cannot multiply what they print.
		if !isField(n.Pipe) {
			return c.fail(n, "with takes a field only, such as {{with .FirstName}}")
		}
		return c.branch(&n.BranchNode)
	case *parse.IdentifierNode:
		if !slices.Contains(allowedFuncs, n.Ident) {
			return c.fail(n, "function %q is not allowed", n.Ident)
		}
		return nil
	case *parse.FieldNode:
		return c.field(n, n.Ident)
	case *parse.VariableNode:
		switch {
		case len(n.Ident) == 1:
			return nil
		case n.Ident[0] == "$":
			return c.field(n, n.Ident[1:])
		}
		return c.fail(n, "fields of variables are not allowed")
	case *parse.RangeNode:
		return c.fail(n, "range is not allowed")
	case *parse.TemplateNode:
		return c.fail(n, "template is not allowed")
	default:
		return c.fail(node, "%s is not allowed", node)
	}
}

func (c checker) nodes(nodes ...parse.Node) error {
	for _, n := range nodes {
		if err := c.node(n); err != nil {
			return err
		}
	}
	return nil
}

func (c checker) branch(b *parse.BranchNode) error {
	if err := c.node(b.Pipe); err != nil {
		return err
	}
	if err := c.node(b.List); err != nil {
		return err
	}
	if b.ElseList != nil {
		return c.node(b.ElseList)
	}
	return nil
}

// field accepts a field of Variables, alone: {{.Link}}, not {{.Link.X}}.
func (c checker) field(n parse.Node, ident []string) error {
	if len(ident) != 1 || !slices.Contains(Variables, ident[0]) {
		return c.fail(n, "unknown field .%s; the fields are .%s", strings.Join(ident, "."), strings.Join(Variables, ", ."))
	}
	return nil
}

// limitWriter fails once more than maxOutput bytes are written.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n += len(p); l.n > maxOutput {
		return 0, fmt.Errorf("renders more than %d bytes", maxOutput)
	}
	return l.w.Write(p)
}

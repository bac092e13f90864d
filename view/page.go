package view

import (
	"fmt"
	"html"
	"io"
	"strings"
	"time"
)

// page builds one self-contained HTML document: its style is inline, it
// loads nothing, and every text from the run is escaped.
type page struct {
	body strings.Builder
}

// styleSheet is every page's style.
const styleSheet = `
body { font-family: Helvetica, Arial, sans-serif; font-size: 14px; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 8px 0; }
h2 { font-size: 17px; margin: 24px 0 8px 0; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px 0; }
table { border-collapse: collapse; margin: 4px 0 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
pre, code, .mono { font-family: Menlo, "Courier New", monospace; font-size: 12px; }
pre { margin: 0; white-space: pre-wrap; }
.ok { color: #1a7f37; font-weight: bold; }
.illegal, .fail { color: #cf222e; font-weight: bold; }
.unknown { color: #9a6700; font-weight: bold; }
.note { color: #555; max-width: 900px; }
iframe { width: 100%; border: 1px solid #ccc; }
svg text { font-size: 11px; dominant-baseline: middle; }
details { margin: 6px 0; }
`

func (p *page) printf(format string, args ...any) { fmt.Fprintf(&p.body, format, args...) }

// write writes the document with the title.
func (p *page) write(w io.Writer, title string) error {
	_, err := fmt.Fprintf(w, `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>%s</style>
</head>
<body>
%s</body>
</html>
`, escape(title), styleSheet, p.body.String())
	return err
}

// facts writes the title and a table of facts.
func (p *page) facts(title string, facts []Fact) {
	p.printf("<h1>%s</h1>\n<table class=\"facts\">\n", escape(title))
	for _, fact := range facts {
		p.printf("<tr><th>%s</th><td class=\"mono\">%s</td></tr>\n", escape(fact.Name), escape(fact.Value))
	}
	p.printf("</table>\n")
}

func escape(text string) string { return html.EscapeString(text) }

// verdictClass is the style class of a verdict: ok, illegal (or fail),
// unknown.
func verdictClass(verdict string) string {
	switch verdict {
	case "ok", "illegal", "fail", "unknown":
		return verdict
	}
	return "unknown"
}

// duration shows virtual nanoseconds as a duration.
func duration(nanos int64) string { return time.Duration(nanos).String() }

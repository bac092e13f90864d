package view

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// fetchPatterns are the ways an HTML page can load something: a page
// must have none, so that it is self-contained.
var fetchPatterns = regexp.MustCompile(`(?i)<link\b|<img\b|<object\b|<embed\b|<(script|iframe|audio|video|source|track)\b[^>]*\bsrc\s*=|` +
	`@import|\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|\bimport\s*\(|` +
	`\b(href|src|action|poster|data)\s*=\s*["']?\s*[a-z][a-z0-9+.-]*:`)

// urlReference finds CSS and SVG url(...) references; only those to a
// fragment of the page (#id) are allowed.
var urlReference = regexp.MustCompile(`(?i)url\(\s*['"]?\s*(.)`)

// assertSelfContained fails when the page, or a page inlined in it (an
// iframe's srcdoc), could fetch anything.
func assertSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, text := range []string{page, html.UnescapeString(page)} {
		if fetches(text) {
			t.Fatalf("the page can fetch: %q %v", fetchPatterns.FindString(text), urlReference.FindAllString(text, 3))
		}
	}
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.HasSuffix(page, "</html>\n") {
		t.Fatal("not one whole HTML document")
	}
}

// TestSelfContainedCatchesFetches: the check itself finds each way of
// loading something.
func TestSelfContainedCatchesFetches(t *testing.T) {
	for _, fetching := range []string{`<script src="a.js">`, `<link rel=stylesheet href=x.css>`, `<img src=x.png>`,
		`fetch("/data")`, `@import "x.css"`, `style="background: url(x.png)"`, `<a href="https://example.com">`,
		`<iframe src="other.html">`, `import("./x.js")`} {
		if !fetches(fetching) {
			t.Errorf("%s is not caught", fetching)
		}
	}
	for _, allowed := range []string{`<a href="campaign-seed-3.html">`, `<a href="#key-0">`, `marker-end="url(#arrow-0)"`,
		`<iframe srcdoc="&lt;p&gt;">`, `xmlns="http://www.w3.org/2000/svg"`} {
		if fetches(allowed) {
			t.Errorf("%s is caught", allowed)
		}
	}
}

func fetches(text string) bool {
	for _, match := range urlReference.FindAllStringSubmatch(text, -1) {
		if match[1] != "#" {
			return true
		}
	}
	return fetchPatterns.MatchString(text)
}

// history builds a history from (process, type, function, key, value)
// events, time advancing by one per event.
type historyBuilder struct{ history checkers.History }

func (b *historyBuilder) add(process int, eventType checkers.EventType, function, key string, v value.Value) {
	b.history.Append(checkers.Event{Process: process, Type: eventType, Function: function, Key: key, Value: v,
		TimeNanos: int64(1000 * (len(b.history.Events) + 1))})
}

func write(t *testing.T, page History) string {
	t.Helper()
	var out bytes.Buffer
	if err := WriteHistory(&out, page); err != nil {
		t.Fatal(err)
	}
	assertSelfContained(t, out.String())
	return out.String()
}

// porcupineData reads the data a porcupine drawing embeds.
func porcupineData(t *testing.T, srcdoc string) (data struct {
	Partitions []struct {
		History               []json.RawMessage
		PartialLinearizations [][]json.RawMessage
	}
}) {
	t.Helper()
	_, rest, found := strings.Cut(srcdoc, "const data = ")
	text, _, _ := strings.Cut(rest, "\n")
	if !found || json.Unmarshal([]byte(text), &data) != nil || len(data.Partitions) != 1 {
		t.Fatalf("no porcupine data in %q", srcdoc[:min(len(srcdoc), 200)])
	}
	return data
}

var srcdocPattern = regexp.MustCompile(`<h3 id="key-\d+">key &#34;([^&]*)&#34;: <span class="(\w+)">\w+</span></h3>\n<iframe [^>]*srcdoc="([^"]*)"`)

// TestRegisterPageDrawsEachKeyAgainstTheModel: a key whose read returns a
// value never written is illegal; its drawing holds a linearizable prefix
// shorter than its operations (the read breaks it), the other key's all
// of them; the verdicts and the faults come before the drawings.
func TestRegisterPageDrawsEachKeyAgainstTheModel(t *testing.T) {
	var b historyBuilder
	b.add(0, checkers.TypeInvoke, checkers.FunctionWrite, "x", value.Int(1))
	b.add(0, checkers.TypeOK, checkers.FunctionWrite, "x", value.Int(1))
	b.add(1, checkers.TypeInvoke, checkers.FunctionWrite, "y", value.Int(5))
	b.add(1, checkers.TypeOK, checkers.FunctionWrite, "y", value.Int(5))
	b.add(0, checkers.TypeInvoke, checkers.FunctionRead, "x", value.Null())
	b.add(0, checkers.TypeOK, checkers.FunctionRead, "x", value.Int(2))
	b.add(1, checkers.TypeInvoke, checkers.FunctionRead, "y", value.Null())
	b.add(1, checkers.TypeOK, checkers.FunctionRead, "y", value.Int(5))
	check, err := checkers.CheckLinearizable(b.history, checkers.LinearizableConfig{Model: checkers.ModelRegister})
	if err != nil || check.Verdict != checkers.VerdictIllegal {
		t.Fatalf("check: %v %v", check.Verdict, err)
	}
	page := write(t, History{Title: "register <seed 1>", History: b.history, Checks: []checkers.Result{check},
		Faults: []Fault{{AtNanos: 4500, Node: "n2", Text: "crash"}, {AtNanos: 9000, Text: "partition healed"}}})
	if kind, model := KindOf(b.history); kind != KindLinearizable || model != checkers.ModelRegister {
		t.Fatalf("kind %s model %s", kind, model)
	}
	verdicts, faults, drawings := strings.Index(page, `id="verdicts"`), strings.Index(page, `id="faults"`), strings.Index(page, "<iframe")
	if verdicts < 0 || faults < verdicts || drawings < faults || !strings.Contains(page, "register &lt;seed 1&gt;") {
		t.Fatalf("verdicts at %d, faults at %d, drawings at %d", verdicts, faults, drawings)
	}
	matches := srcdocPattern.FindAllStringSubmatch(page, -1)
	if len(matches) != 2 || matches[0][1] != "x" || matches[0][2] != "illegal" || matches[1][1] != "y" || matches[1][2] != "ok" {
		t.Fatalf("key drawings %v", matches)
	}
	for _, match := range matches {
		data := porcupineData(t, html.UnescapeString(match[3]))
		partition := data.Partitions[0]
		longest := len(partition.PartialLinearizations[0])
		if want := len(partition.History); match[2] == "illegal" && longest >= want || match[2] == "ok" && longest != want {
			t.Fatalf("key %s (%s): a linearizable prefix of %d of %d operations", match[1], match[2], longest, want)
		}
	}
	if !strings.Contains(html.UnescapeString(matches[0][3]), `"Tag":"faults"`) {
		t.Fatal("key x's drawing lacks the crash that happened during its operations")
	}
}

// TestListAppendPageDrawsTheCycle: a G-single cycle (a read skew) is
// drawn as its two transactions with an rw edge on x and a wr edge on y,
// and tabled with their micro-ops.
func TestListAppendPageDrawsTheCycle(t *testing.T) {
	micro := func(function, key string, v value.Value) value.Value {
		return value.List(value.String(function), value.String(key), v)
	}
	appendBoth := value.List(micro(checkers.MicroAppend, "x", value.Int(1)), micro(checkers.MicroAppend, "y", value.Int(1)))
	var b historyBuilder
	b.add(2, checkers.TypeInvoke, checkers.FunctionTxn, "", appendBoth)
	b.add(1, checkers.TypeInvoke, checkers.FunctionTxn, "", value.List(micro("r", "x", value.Null()), micro("r", "y", value.Null())))
	b.add(2, checkers.TypeOK, checkers.FunctionTxn, "", appendBoth)
	b.add(1, checkers.TypeOK, checkers.FunctionTxn, "", value.List(micro("r", "x", value.List()), micro("r", "y", value.List(value.Int(1)))))
	b.add(3, checkers.TypeInvoke, checkers.FunctionTxn, "", value.List(micro("r", "x", value.Null())))
	b.add(3, checkers.TypeOK, checkers.FunctionTxn, "", value.List(micro("r", "x", value.List(value.Int(1)))))
	result, err := checkers.CheckListAppend(b.history, checkers.ListAppendConfig{})
	if err != nil || len(result.StrictSerializable.Cycles) != 1 {
		t.Fatalf("check: %+v %v", result, err)
	}
	page := write(t, History{Title: "list-append", History: b.history,
		Checks: []checkers.Result{result.Serializable, result.StrictSerializable}})
	for _, want := range []string{`<h3 id="cycle-0">G-single: 2 transactions</h3>`, ">rw x</text>", ">wr y</text>",
		"<td>rw on x to op 0</td>", "<td>wr on y to op 1</td>", `[[&#34;r&#34;, &#34;x&#34;, []], [&#34;r&#34;, &#34;y&#34;, [1]]]`,
		`id="timeline"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Count(page, `<h3 id="cycle-`) != 1 {
		t.Error("the cycle both verdicts name is drawn twice")
	}
}

// TestTimelinePageMarksWhatTheChecksName: a history with no model draws
// its operations on a timeline, a row per process, and marks in red the
// operations a check names.
func TestTimelinePageMarksWhatTheChecksName(t *testing.T) {
	var b historyBuilder
	b.add(0, checkers.TypeInvoke, "transfer", "", value.Int(5))
	b.add(1, checkers.TypeInvoke, "read", "", value.Null())
	b.add(0, checkers.TypeOK, "transfer", "", value.Int(5))
	b.add(1, checkers.TypeInfo, "read", "", value.Null())
	check := checkers.Result{Checker: "conservation", Verdict: checkers.VerdictIllegal, Explanation: "total 7, want 8", Operations: []int{1}}
	page := write(t, History{Title: "bank", History: b.history, Checks: []checkers.Result{check}})
	if kind, _ := KindOf(b.history); kind != KindTimeline {
		t.Fatalf("kind %s", kind)
	}
	for _, want := range []string{">process 0</text>", ">process 1</text>", `fill="#ff8182" stroke="#cf222e"><title>op 1, process 1: read`,
		`fill="#8ddb8c" stroke="none"><title>op 0, process 0: transfer 5 -&gt; ok 5`, `<td class="illegal">illegal</td>`, "No fault happened"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestCampaignPage(t *testing.T) {
	campaign := Campaign{Title: "proven sim: bank", Families: []string{"crash", "loss"}, Runs: []Run{
		{Seed: 7, Verdict: "ok", Committed: 30, Aborted: 2, Plan: "crash:0.50", Families: []string{"crash"}},
		{Seed: 8, Verdict: "fail", Committed: 28, Aborted: 1, Indeterminate: 1, Plan: "crash:0.50,loss:0.20",
			Families: []string{"crash", "loss"}, Failure: "invariant", Reason: "conservation: <total> 7", HistoryLink: "campaign-seed-8.html"},
	}}
	var out bytes.Buffer
	if err := WriteCampaign(&out, campaign); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	assertSelfContained(t, page)
	for _, want := range []string{`<a href="campaign-seed-8.html">history of seed 8</a>`, "conservation: &lt;total&gt; 7",
		"<td>crash</td><td class=\"number\">2</td>", "<td>loss</td><td class=\"number\">1</td>", "seed 8: fail, committed 28, aborted 1, indeterminate 1",
		"58 / 3 / 1</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="coverage"`) {
		t.Error("a campaign without coverage draws a matrix")
	}
	campaign.Coverage = &Coverage{Phases: []string{"setup", "faults"}, Families: []string{"crash", "loss"}, Counts: [][]int{{0, 0}, {12, 3}}, Unit: "faults"}
	out.Reset()
	if err := WriteCampaign(&out, campaign); err != nil || !strings.Contains(out.String(), `<tr><th>faults</th><td class="number" style="background: rgb(75, 75, 255)">12</td>`) {
		t.Fatalf("coverage: %v\n%s", err, out.String())
	}
	campaign.Coverage.Counts = [][]int{{1}}
	if err := WriteCampaign(&out, campaign); err == nil || !strings.Contains(err.Error(), "1 rows of counts for 2 phases") {
		t.Fatalf("a malformed coverage: %v", err)
	}
}

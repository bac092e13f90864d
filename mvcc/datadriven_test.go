package mvcc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/internal/binenc"
	"github.com/proven2pc/proven/internal/scenariotest"
)

// TestScenarios runs the scenario files in testdata/. Commands:
//
//	put txn=<ts> key=<k> value=<v>     delete txn=<ts> key=<k>
//	prepare txn=<ts> ts=<ts>           commit txn=<ts> ts=<ts>
//	abort txn=<ts>                     gc watermark=<ts>
//	get key=<k> at=<ts> [txn=<ts>] [view=<name>]
//	scan at=<ts> [start=<k>] [end=<k>] [reverse] [limit=<n>] [txn=<ts>] [view=<name>]
//	view name=<name>                   stats
//	checkpoint-restore
//
// and for the scenario's Participant over the store (participant.go):
//
//	begin txn=<ts> [write=<k>]   an operation: Begin; write=<k> makes the
//	                             engine's Write step put <k> at commit
//	prepare|commit|abort ... participant   the Participant's step
//	live                         the live transactions and their stages
//
// A timestamp is "max", an integer (wall nanoseconds) or "<wall>.<logical>@<node>".
// A broken invariant prints as "invariant broken: <message>".
func TestScenarios(t *testing.T) {
	scenariotest.Run(t, newScenario, func(t *testing.T, d *datadriven.TestData, s **scenario) string { return (*s).run(t, d) })
}

// scenario is one scenario file's store, its participant and views.
type scenario struct {
	store       *Store
	participant *Participant[scenarioRecord, *scenarioRecord]
	views       map[string]*View
	// steps logs the participant's calls of the engine's steps.
	steps strings.Builder
}

// scenarioRecord is the test engine's transaction record.
type scenarioRecord struct {
	Lifecycle
	// writeAtCommit is a key the Write step puts at commit.
	writeAtCommit string
}

func newScenario() *scenario {
	s := &scenario{views: map[string]*View{}}
	s.reset(New(Options{}))
	return s
}

// reset makes a participant over store; its steps log to s.steps.
func (s *scenario) reset(store *Store) {
	s.store = store
	s.participant = NewParticipant("scenario", store, Steps[*scenarioRecord]{
		Write: func(t *scenarioRecord, commitTimestamp clock.Timestamp) {
			fmt.Fprintf(&s.steps, "write txn %v at %v\n", t.ID(), commitTimestamp)
			if t.writeAtCommit != "" {
				if err := store.Put(t.ID(), []byte(t.writeAtCommit), []byte("written at commit")); err != nil {
					panic(err)
				}
			}
		},
		Release: func(t *scenarioRecord) { fmt.Fprintf(&s.steps, "release txn %v\n", t.ID()) },
	})
}

func (s *scenario) run(t *testing.T, d *datadriven.TestData) string {
	if d.HasArg("participant") {
		return s.runParticipant(t, d)
	}
	switch d.Cmd {
	case "begin", "live":
		return s.runParticipant(t, d)
	case "put":
		return showError(s.store.Put(argTimestamp(t, d, "txn"), []byte(argString(t, d, "key")), []byte(argString(t, d, "value"))))
	case "delete":
		return showError(s.store.Delete(argTimestamp(t, d, "txn"), []byte(argString(t, d, "key"))))
	case "prepare":
		return showError(s.store.Prepare(argTimestamp(t, d, "txn"), argTimestamp(t, d, "ts")))
	case "commit":
		return showError(s.store.Commit(argTimestamp(t, d, "txn"), argTimestamp(t, d, "ts")))
	case "abort":
		return showError(s.store.Abort(argTimestamp(t, d, "txn")))
	}
	return runStoreCommand(t, d, s)
}

func (s *scenario) runParticipant(t *testing.T, d *datadriven.TestData) string {
	p := s.participant
	s.steps.Reset()
	switch d.Cmd {
	case "begin":
		record := p.Begin(argTimestamp(t, d, "txn"))
		if d.HasArg("write") {
			record.writeAtCommit = argString(t, d, "write")
		}
	case "prepare":
		p.Prepare(argTimestamp(t, d, "txn"), argTimestamp(t, d, "ts"))
	case "commit":
		p.Commit(argTimestamp(t, d, "txn"), argTimestamp(t, d, "ts"))
	case "abort":
		p.Abort(argTimestamp(t, d, "txn"))
	case "live":
		for _, id := range p.IDs() {
			record := p.Lookup(id)
			fmt.Fprintf(&s.steps, "txn %v prepared=%v at %v intents=%v\n", id, record.Prepared(), record.PrepareTimestamp(), p.HoldsIntents(id))
		}
		fmt.Fprintf(&s.steps, "last commit %v\n", p.LastCommitTimestamp())
		return s.steps.String()
	default:
		t.Fatalf("%s: %q takes no participant argument", d.Pos, d.Cmd)
	}
	return s.steps.String() + "ok\n"
}

func runStoreCommand(t *testing.T, d *datadriven.TestData, sc *scenario) string {
	s := sc.store
	views := sc.views
	switch d.Cmd {
	case "gc":
		s.GC(argTimestamp(t, d, "watermark"))
		return fmt.Sprintf("watermark %v\n", s.Watermark())
	case "get":
		return scenarioGet(t, d, s, views)
	case "scan":
		return scenarioScan(t, d, s, views)
	case "view":
		views[argString(t, d, "name")] = s.View()
		return "ok\n"
	case "stats":
		stats := s.Stats()
		return fmt.Sprintf("keys=%d versions=%d intents=%d transactions=%d\n", stats.Keys, stats.Versions, stats.Intents, stats.Transactions)
	case "checkpoint-restore":
		return sc.checkpointRestore()
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

// checkpointRestore restores the store and the participant from their
// checkpoints and checks that they checkpoint to the same bytes again.
func (s *scenario) checkpointRestore() string {
	appendRecord := func(out []byte, t *scenarioRecord) []byte {
		w := binenc.NewWriter(out)
		w.AppendString(t.writeAtCommit)
		return w.Data()
	}
	storeBytes := s.store.Checkpoint()
	participantBytes := s.participant.AppendCheckpoint(nil, appendRecord)
	restored, err := Restore(storeBytes, Options{})
	if err != nil {
		return showError(err)
	}
	s.reset(restored)
	reader := binenc.NewReader(participantBytes, ErrCorruptCheckpoint)
	err = s.participant.RestoreCheckpoint(&reader, 1, func(r *binenc.Reader, t *scenarioRecord) error {
		t.writeAtCommit = r.Text()
		return nil
	})
	if err != nil {
		return showError(err)
	}
	if string(restored.Checkpoint()) != string(storeBytes) || string(s.participant.AppendCheckpoint(nil, appendRecord)) != string(participantBytes) {
		return "restored store checkpoints to different bytes\n"
	}
	return "restored, identical checkpoint\n"
}

func scenarioGet(t *testing.T, d *datadriven.TestData, s *Store, views map[string]*View) string {
	key := argString(t, d, "key")
	opts := ReadOptions{At: argTimestamp(t, d, "at")}
	if d.HasArg("txn") {
		opts.Txn = argTimestamp(t, d, "txn")
	}
	get := s.Get
	if d.HasArg("view") {
		get = views[argString(t, d, "view")].Get
	}
	value, found, err := get([]byte(key), opts)
	switch {
	case err != nil:
		return showError(err)
	case !found:
		return fmt.Sprintf("%s: not found\n", key)
	}
	return fmt.Sprintf("%s=%s\n", key, value)
}

func scenarioScan(t *testing.T, d *datadriven.TestData, s *Store, views map[string]*View) string {
	opts := ScanOptions{At: argTimestamp(t, d, "at"), Reverse: d.HasArg("reverse")}
	if d.HasArg("txn") {
		opts.Txn = argTimestamp(t, d, "txn")
	}
	if d.HasArg("start") {
		opts.Start = []byte(argString(t, d, "start"))
	}
	if d.HasArg("end") {
		opts.End = []byte(argString(t, d, "end"))
	}
	if d.HasArg("limit") {
		d.ScanArgs(t, "limit", &opts.Limit)
	}
	scan := s.Scan
	if d.HasArg("view") {
		scan = views[argString(t, d, "view")].Scan
	}
	var out strings.Builder
	err := scan(opts, func(key, value []byte) bool {
		fmt.Fprintf(&out, "%s=%s\n", key, value)
		return true
	})
	if err != nil {
		out.WriteString(showError(err))
	}
	if out.Len() == 0 {
		return "(empty)\n"
	}
	return out.String()
}

func showError(err error) string {
	if err == nil {
		return "ok\n"
	}
	return "error: " + err.Error() + "\n"
}

func argString(t *testing.T, d *datadriven.TestData, name string) string {
	return scenariotest.String(t, d, name)
}

// argTimestamp reads a timestamp argument; "max" is MaxTimestamp.
func argTimestamp(t *testing.T, d *datadriven.TestData, name string) clock.Timestamp {
	if argString(t, d, name) == "max" {
		return MaxTimestamp
	}
	return scenariotest.Timestamp(t, d, name)
}

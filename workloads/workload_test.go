package workloads_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

func TestTheRegistryListsTheBuiltinWorkloads(t *testing.T) {
	want := []string{"bank", "list-append", "mixed", "queue", "queue-order", "register", "sql-bank", "sql-list-append",
		"sql-predicates", "stream", "tokens"}
	if got := workloads.BuiltinNames(); !slices.Equal(got, want) {
		t.Fatalf("built-in names %v, want %v", got, want)
	}
	for _, name := range want {
		if !slices.Contains(workloads.Names(), name) {
			t.Errorf("the registry lacks %s: %v", name, workloads.Names())
		}
		w, err := workloads.Lookup(name)
		if err != nil || w.Name() != name || workloads.Named(name) != w {
			t.Errorf("%s: Lookup gives %v, %v", name, w, err)
		}
		if parameters, err := workloads.Parameters(w); parameters != nil || err != nil {
			t.Errorf("%s has parameters %s (%v)", name, parameters, err)
		}
	}
	if _, err := workloads.Lookup("nothing"); err == nil || !strings.Contains(err.Error(), `unknown workload "nothing" (want one of: bank,`) {
		t.Fatalf("Lookup of an unknown name: %v", err)
	}
}

// echoRegister is a workload of a user's on a world of its own: one
// server node holds a register, and clients write and read it with
// messages. It records into the history and checks linearizability with
// the checkers package.
type echoRegister struct {
	// ReadPercent of the operations are reads.
	ReadPercent int
	// phases, when set, receives what each phase saw (not a parameter).
	phases *[]string
}

func (echoRegister) Name() string { return "test-echo-register" }

// Messages carry a request id, so a late reply to an earlier request is
// not taken for this one's.
type msgWrite struct{ Request, Value int64 }
type msgRead struct{ Request int64 }
type msgValue struct{ Request, Value int64 }

// registerServer is the system under test: it applies writes and answers
// reads. It is not crashable and does not deduplicate, so it is correct
// under partitions and loss only.
type registerServer struct{ value int64 }

func (s *registerServer) Start(*sim.NodeContext)         {}
func (s *registerServer) Timer(*sim.NodeContext, uint64) {}
func (s *registerServer) Receive(ctx *sim.NodeContext, from sim.Addr, message any) {
	switch m := message.(type) {
	case msgWrite:
		s.value = m.Value
		_ = ctx.Send(from, msgValue(m))
	case msgRead:
		_ = ctx.Send(from, msgValue{Request: m.Request, Value: s.value})
	}
}

func (w echoRegister) Build(b *workloads.Builder) {
	codec := net.NewRegistry()
	net.Register[msgWrite](codec, "MsgWrite")
	net.Register[msgRead](codec, "MsgRead")
	net.Register[msgValue](codec, "MsgValue")
	world := b.World(sim.Config{Codec: codec})
	server := sim.Addr{Node: world.AddNode(sim.NodeOptions{Name: "server", Factory: func() sim.Node { return &registerServer{} }})}
	note := func(phase string) {
		if w.phases != nil {
			healed := slices.ContainsFunc(world.Faults(), func(f sim.FaultEvent) bool { return f.Text == "heal" })
			*w.phases = append(*w.phases, fmt.Sprintf("%s: %d fault events, healed %t", phase, len(world.Faults()), healed))
		}
	}
	b.Setup(func(workloads.Client) error { note("setup"); return nil })
	next := int64(1)
	b.Operation(func(c workloads.Client) {
		request := next
		next++
		var pending workloads.Pending
		if c.Rand().IntN(100) < w.ReadPercent {
			pending = workloads.Invoke(c, checkers.FunctionRead, "x", value.Null())
			_ = workloads.Process(c).Send(server, msgRead{Request: request})
		} else {
			pending = workloads.Invoke(c, checkers.FunctionWrite, "x", value.Int(request))
			_ = workloads.Process(c).Send(server, msgWrite{Request: request, Value: request})
		}
		if reply, ok := awaitReply(workloads.Process(c), request); ok {
			pending.OK(value.Int(reply.Value))
			return
		}
		pending.Info(value.Null())
	})
	b.Final(func(workloads.Client) { note("final") })
	b.Check("linearizable", func(history checkers.History) (checkers.Result, error) {
		return checkers.CheckLinearizable(history, checkers.LinearizableConfig{Model: checkers.ModelRegister, Initial: value.Int(0)})
	})
}

// awaitReply waits up to 50ms for the reply to request, dropping others.
func awaitReply(p *sim.Process, request int64) (msgValue, bool) {
	deadline := p.Now() + int64(50*time.Millisecond)
	for remaining := time.Duration(deadline - p.Now()); remaining >= 0; remaining = time.Duration(deadline - p.Now()) {
		_, message, ok := p.Receive(remaining)
		if !ok {
			return msgValue{}, false
		}
		if reply := message.(msgValue); reply.Request == request {
			return reply, true
		}
	}
	return msgValue{}, false
}

func TestAWorkloadOfYourOwnRunsThroughTheHarness(t *testing.T) {
	var phases []string
	options := workloads.Options{Seed: 7, Workload: echoRegister{ReadPercent: 40, phases: &phases},
		Faults: sim.FaultMode{Families: sim.FamilyPartition | sim.FamilyLoss}, Clients: 3, Operations: 30, FaultPhase: 2 * time.Second}
	report := workloads.Run(options)
	if report.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s\n%s", report.Failure, report.Reason, report.Detail)
	}
	if len(phases) != 2 || phases[0] != "setup: 0 fault events, healed false" || !strings.HasSuffix(phases[1], "healed true") {
		t.Fatalf("phases %q, want the setup before any fault and the final after the healing", phases)
	}
	if len(report.Checks) != 1 || report.Checks[0].Checker != "linearizable" || report.Checks[0].Verdict != checkers.VerdictOK {
		t.Fatalf("checks %+v: want only the workload's own", report.Checks)
	}
	operations := report.History.Operations()
	infos := 0
	for _, operation := range operations {
		if operation.Type == checkers.TypeInfo {
			infos++
		}
	}
	if len(operations) != 90 || infos == 0 || report.Plan.Families != sim.FamilyPartition|sim.FamilyLoss {
		t.Fatalf("%d operations (%d info) under plan %s: want 90, some lost to the faults", len(operations), infos, report.Plan)
	}
	if err := report.History.Validate(); err != nil {
		t.Fatal(err)
	}
	options.Workload = echoRegister{ReadPercent: 40}
	if again := workloads.Run(options); again.Fingerprint != report.Fingerprint {
		t.Fatalf("two runs of seed 7: %s and %s", report.FingerprintHex(), again.FingerprintHex())
	}
}

// brokenWorkload declares what its fields say, to show each mistake is a
// failing report naming it.
type brokenWorkload struct {
	NoSystem, NoOperation, Panic, TransactOnWorld bool
}

func (brokenWorkload) Name() string { return "test-broken" }

func (w brokenWorkload) Build(b *workloads.Builder) {
	if w.Panic {
		b.World(sim.Config{})
		panic("bad parameters")
	}
	if !w.NoSystem {
		b.World(sim.Config{})
	}
	if !w.NoOperation {
		b.Operation(func(c workloads.Client) {
			if w.TransactOnWorld {
				workloads.Transact(c, "write", "x", value.Int(1), time.Second, nil)
			}
		})
	}
}

func TestAWorkloadThatCannotRunIsAFailingReport(t *testing.T) {
	cases := []struct {
		workload workloads.Workload
		failure  sim.FailureKind
		reason   string
	}{
		{brokenWorkload{NoSystem: true}, sim.FailureInvariant, "workload test-broken declared no system (call Builder.Cluster or Builder.World)"},
		{brokenWorkload{NoOperation: true}, sim.FailureInvariant, "workload test-broken declared no operation (call Builder.Operation)"},
		{brokenWorkload{Panic: true}, sim.FailurePanic, "workload test-broken: Build panicked: bad parameters"},
		{brokenWorkload{TransactOnWorld: true}, sim.FailurePanic, "Transact by a client without Transactions"},
		{workloads.Named("nope"), sim.FailureInvariant, `workloads: unknown workload "nope"`},
		{namedBadly{}, sim.FailureInvariant, `name "a/b" is not 1 to 64 letters`},
	}
	for _, c := range cases {
		report := workloads.Run(workloads.Options{Seed: 1, Workload: c.workload})
		if report.Verdict != sim.VerdictFail || report.Failure != c.failure || !strings.Contains(report.Reason, c.reason) {
			t.Errorf("%s: %s %s %q, want %s saying %q", c.workload.Name(), report.Verdict, report.Failure, report.Reason, c.failure, c.reason)
		}
	}
	if report := workloads.Run(workloads.Options{Seed: 1, Workload: brokenWorkload{}, Clients: 1, Operations: 1}); report.Verdict != sim.VerdictOK {
		t.Fatalf("a workload with a system and an operation: %s", report.Reason)
	}
}

type namedBadly struct{}

func (namedBadly) Name() string               { return "a/b" }
func (namedBadly) Build(b *workloads.Builder) {}

func TestParametersRoundTripThroughTheRegistry(t *testing.T) {
	workloads.Register(echoRegister{ReadPercent: 50})
	workloads.Register(echoRegister{ReadPercent: 10}) // the same type again: the first stays
	parameters, err := workloads.Parameters(echoRegister{ReadPercent: 25})
	if err != nil || string(parameters) != `{"ReadPercent":25}` {
		t.Fatalf("parameters %s, %v", parameters, err)
	}
	decoded, err := workloads.Decode("test-echo-register", parameters)
	if err != nil || decoded.(echoRegister).ReadPercent != 25 {
		t.Fatalf("decoded %+v, %v", decoded, err)
	}
	// A value is its exported fields: no parameters is the zero value,
	// whichever value was registered.
	if zero, _ := workloads.Decode("test-echo-register", nil); zero.(echoRegister).ReadPercent != 0 {
		t.Fatalf("no parameters gives %+v, want the zero value", zero)
	}
	for _, bad := range []struct {
		name       string
		parameters string
		want       string
	}{
		{"test-echo-register", `{"ReadPercent": "all"}`, "cannot unmarshal string"},
		{"test-echo-register", `{"WritePercent": 3}`, `unknown field "WritePercent"`},
		{"bank", `{"Accounts": 3}`, "bank takes no parameters"},
		{"nothing", `{}`, `unknown workload "nothing"`},
	} {
		if _, err := workloads.Decode(bad.name, json.RawMessage(bad.parameters)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s %s: error %v, want %q", bad.name, bad.parameters, err, bad.want)
		}
	}
}

func TestRegisterPanicsOnAMistake(t *testing.T) {
	for name, register := range map[string]func(){
		"a bad name":     func() { workloads.Register(namedBadly{}) },
		"a second type":  func() { workloads.Register(impostor{}) },
		"a nil workload": func() { workloads.Register(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			register()
		}()
	}
}

// impostor takes a built-in workload's name.
type impostor struct{}

func (impostor) Name() string               { return "bank" }
func (impostor) Build(b *workloads.Builder) {}

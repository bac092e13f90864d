package coordinator_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	pnet "github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
)

// TestScenarios runs testdata/scenarios/*.txt: two-phase commit corner
// cases on a simulated cluster (one log node, engine nodes engine1 and
// engine2, one client node client1; stream i runs on engine (i mod 2)+1,
// so with streams=a,b stream a is on engine1 and b on engine2).
//
//	cluster streams=a,b [delay=100ms]
//	    a new cluster; delay makes every network hop take exactly that long
//	manual name=t1 deadline=500ms [start=T]
//	    a scripted coordinator speaking the protocol itself, one step a line:
//	      op S put K | op S get K     an operation (put writes the script's name)
//	      prepare S...                Prepare entries, waiting for the votes
//	      commit S... [again|resend]  Commit at max(prepare timestamps), waiting
//	                                  for the log's acknowledgements (again: a new
//	                                  request, so a second entry; resend: the same
//	                                  request as the last Commit there)
//	      abort S...                  Abort entries
//	      sleep D | sleep until T     wait (T is virtual time since the start)
//	    a coordinator crash is a script that stops: the rest is never sent
//	client name=c1 timeout=500ms [start=T]
//	    a client using the real coordinator, one step a line:
//	      put S K | get S K | commit | rollback | readonly | read S K | sleep ...
//	faults
//	    one scripted fault a line, at a virtual time since the start:
//	      T crash|restart|pause|resume NODE
//	      T partition NODE... | NODE...    T isolate NODE    T heal
//	      T block FROM TO                  T unblock FROM TO
//	      T jump NODE DELTA                (the node's local clock)
//	      T network [delay=D] [duplicate=P] [loss=P] [reorder]
//	run for=D
//	    runs the world (prints only a failure)
//	report name=X
//	    what script X did and was told, with the virtual times
//	outcome [settle=D]
//	    heals everything, waits settle (default 5s), reads every key each
//	    script wrote with one read-only transaction, and prints on which
//	    participants each script's writes are (and what a client was told),
//	    then every processor's status. Atomicity (all or none; told committed
//	    means all; told aborted means none) and a clean status are also
//	    asserted here, so a rewrite cannot bake a violation in.
//
// SCENARIO_TRACE=1 go test -v -run TestScenarios/NAME prints every event.
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		s := &scenario{t: t}
		defer s.close()
		datadriven.RunTest(t, path, s.command)
	})
}

// scenario is the state of one scenario file.
type scenario struct {
	t       *testing.T
	cluster *cluster.Cluster
	streams []string
	scripts []*script
}

// script is one manual coordinator or client, as the scenario saw it.
type script struct {
	name     string
	client   bool
	writes   []write
	lines    []string
	told     string // clients: what Commit returned
	finished bool
	process  *sim.Process
}

type write struct{ stream, key string }

func (s *script) logf(world *sim.World, format string, args ...any) {
	at := time.Duration(world.Now()).Truncate(time.Millisecond)
	s.lines = append(s.lines, fmt.Sprintf("%v %s", at, fmt.Sprintf(format, args...)))
}

func (s *scenario) close() {
	if s.cluster != nil {
		s.cluster.World.Close()
	}
}

func (s *scenario) command(t *testing.T, d *datadriven.TestData) string {
	if s.cluster == nil && d.Cmd != "cluster" {
		d.Fatalf(t, "the first command must be cluster")
	}
	switch d.Cmd {
	case "cluster":
		s.newCluster(t, d)
		return ""
	case "manual", "client":
		s.addScript(t, d)
		return ""
	case "faults":
		for _, line := range nonEmptyLines(d.Input) {
			s.scheduleFault(t, d, line)
		}
		return ""
	case "run":
		var text string
		d.ScanArgs(t, "for", &text)
		return s.failure(s.cluster.World.RunFor(parseDuration(t, d, text)))
	case "report":
		var name string
		d.ScanArgs(t, "name", &name)
		return s.report(t, d, name)
	case "outcome":
		settle := 5 * time.Second
		var text string
		if d.MaybeScanArgs(t, "settle", &text) {
			settle = parseDuration(t, d, text)
		}
		return s.outcome(t, settle)
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func (s *scenario) newCluster(t *testing.T, d *datadriven.TestData) {
	if s.cluster != nil {
		d.Fatalf(t, "one cluster per file")
	}
	var streams string
	d.ScanArgs(t, "streams", &streams)
	s.streams = strings.Split(streams, ",")
	var specs []cluster.StreamSpec
	for _, name := range s.streams {
		specs = append(specs, cluster.StreamSpec{Name: name, Restore: kv.Restore})
	}
	s.cluster = cluster.New(cluster.Config{Seed: 1, Streams: specs, EngineNodes: 2, Clients: 1,
		VirtualTimeMax: 10 * time.Minute, Trace: debugTrace()})
	var delay string
	if d.MaybeScanArgs(t, "delay", &delay) {
		fixed := parseDuration(t, d, delay)
		s.cluster.World.Network().SetConfig(pnet.Config{DelayMin: fixed, DelayMean: fixed})
	}
}

func (s *scenario) addScript(t *testing.T, d *datadriven.TestData) {
	sc := &script{client: d.Cmd == "client"}
	d.ScanArgs(t, "name", &sc.name)
	for _, other := range s.scripts {
		if other.name == sc.name {
			d.Fatalf(t, "a second script named %s", sc.name)
		}
	}
	var start time.Duration
	var text string
	if d.MaybeScanArgs(t, "start", &text) {
		start = parseDuration(t, d, text)
	}
	argument := "deadline"
	if sc.client {
		argument = "timeout"
	}
	d.ScanArgs(t, argument, &text)
	timeout := parseDuration(t, d, text)
	var steps []step
	for _, line := range nonEmptyLines(d.Input) {
		st, err := parseStep(line, sc.client)
		if err != nil {
			d.Fatalf(t, "%s: %v", sc.name, err)
		}
		if st.operation == "put" {
			sc.writes = append(sc.writes, write{stream: st.stream, key: st.key})
		}
		steps = append(steps, st)
	}
	world := s.cluster.World
	index := len(s.scripts)
	body := func(p *sim.Process, coord *coordinator.Coordinator) {
		if wait := int64(start) - world.Now(); wait > 0 {
			p.Sleep(time.Duration(wait))
		}
		if sc.client {
			runClient(p, world, coord, sc, timeout, steps)
		} else {
			newManual(p, world, s.cluster, sc, index, timeout).run(steps)
		}
		sc.finished = true
	}
	sc.process = s.cluster.Spawn(sc.name, body)
	s.scripts = append(s.scripts, sc)
}

func (s *scenario) failure(result sim.Result) string {
	if result.Verdict == sim.VerdictOK {
		return ""
	}
	s.t.Errorf("run failed: %s: %s\n%s", result.Failure, result.Reason, result.Detail)
	return fmt.Sprintf("run failed: %s: %s\n", result.Failure, result.Reason)
}

func (s *scenario) report(t *testing.T, d *datadriven.TestData, name string) string {
	index := slices.IndexFunc(s.scripts, func(sc *script) bool { return sc.name == name })
	if index < 0 {
		d.Fatalf(t, "no script named %s", name)
	}
	sc := s.scripts[index]
	var b strings.Builder
	for _, line := range sc.lines {
		b.WriteString(line + "\n")
	}
	switch {
	case sc.finished:
	case sc.process.Done():
		b.WriteString("(killed: its node crashed)\n")
	default:
		b.WriteString("(still running)\n")
	}
	return b.String()
}

// outcome heals, settles, reads every script's writes and checks atomicity.
func (s *scenario) outcome(t *testing.T, settle time.Duration) string {
	world := s.cluster.World
	world.Heal()
	if failed := s.failure(world.RunFor(settle)); failed != "" {
		return failed
	}
	present := map[write]string{}
	readErr := ""
	ctx := context.Background()
	reader := s.cluster.Spawn("outcome", func(p *sim.Process, coord *coordinator.Coordinator) {
		read := coord.BeginReadOnly(ctx)
		for _, sc := range s.scripts {
			for _, w := range sc.writes {
				value, found, err := kv.New(read, w.stream).GetString(ctx, w.key)
				if err != nil {
					readErr = fmt.Sprintf("read %s/%s: %v", w.stream, w.key, err)
					return
				}
				if found {
					present[w] = value
				}
			}
		}
	})
	for range 60 {
		if reader.Done() {
			break
		}
		if failed := s.failure(world.RunFor(time.Second)); failed != "" {
			return failed
		}
	}
	if readErr != "" || !reader.Done() {
		t.Errorf("the outcome read did not finish: %s", readErr)
		return fmt.Sprintf("outcome read failed: %s\n", readErr)
	}
	var b strings.Builder
	for _, sc := range s.scripts {
		b.WriteString(s.judge(t, sc, present) + "\n")
	}
	for _, stream := range s.streams {
		b.WriteString(s.status(t, stream) + "\n")
	}
	return b.String()
}

// judge says on which participants a script's writes are, and checks
// all-or-none against what its client was told.
func (s *scenario) judge(t *testing.T, sc *script, present map[write]string) string {
	if len(sc.writes) == 0 {
		return sc.name + ": no writes"
	}
	var on []string
	written := 0
	for _, w := range sc.writes {
		if present[w] == sc.name {
			written++
			if !slices.Contains(on, w.stream) {
				on = append(on, w.stream)
			}
		}
	}
	where := "none"
	if len(on) > 0 {
		where = strings.Join(on, ", ")
	}
	line := fmt.Sprintf("%s: committed on %s", sc.name, where)
	if sc.client {
		line += "; the client was told " + cmpOr(sc.told, "nothing")
	}
	switch {
	case written != 0 && written != len(sc.writes):
		t.Errorf("atomicity: %s has %d of its %d writes", sc.name, written, len(sc.writes))
	case strings.HasPrefix(sc.told, "committed") && written == 0:
		t.Errorf("atomicity: %s was told committed but is on no participant", sc.name)
	case strings.HasPrefix(sc.told, "aborted") && written != 0:
		t.Errorf("atomicity: %s was told aborted but is on every participant", sc.name)
	}
	return line
}

func (s *scenario) status(t *testing.T, stream string) string {
	node := s.cluster.EngineNode(stream)
	if node == nil {
		t.Errorf("liveness: the engine node of %s is down after healing", stream)
		return stream + ": down"
	}
	st := node.Processor(stream).Status()
	line := fmt.Sprintf("%s: active=%d prepared=%d pending-commits=%d deferred=%d reads=%d terminations=%d held=%d/%d/%d",
		stream, st.Active, st.Prepared, st.PendingCommits, st.Deferred, st.PendingReads, st.Terminations,
		st.Held.Transactions, st.Held.Locks, st.Held.Reservations)
	if st.Active != 0 || st.Prepared != 0 || st.PendingCommits != 0 || st.Deferred != 0 || st.Terminations != 0 ||
		!st.Held.IsZero() {
		t.Errorf("liveness: %s", line)
	}
	return line
}

// scheduleFault parses "T action args" and schedules the action at T.
func (s *scenario) scheduleFault(t *testing.T, d *datadriven.TestData, line string) {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		d.Fatalf(t, "fault %q: want a time and an action", line)
	}
	at := parseDuration(t, d, fields[0])
	action := s.faultAction(t, d, fields[1], fields[2:])
	world := s.cluster.World
	world.After(time.Duration(int64(at)-world.Now()), action)
}

func (s *scenario) faultAction(t *testing.T, d *datadriven.TestData, verb string, args []string) func() {
	world := s.cluster.World
	network := world.Network()
	want := func(n int) {
		if len(args) != n {
			d.Fatalf(t, "fault %s: want %d arguments, got %v", verb, n, args)
		}
	}
	switch verb {
	case "crash", "restart", "pause", "resume", "isolate":
		want(1)
		node := s.node(t, d, args[0])
		return map[string]func(){
			"crash": func() { world.Crash(node) }, "restart": func() { world.Restart(node) },
			"pause": func() { world.Pause(node) }, "resume": func() { world.Resume(node) },
			"isolate": func() { network.Isolate(node, world.Nodes()) },
		}[verb]
	case "partition":
		bar := slices.Index(args, "|")
		if bar <= 0 || bar == len(args)-1 {
			d.Fatalf(t, "partition: want NODE... | NODE...")
		}
		sideA, sideB := s.nodes(t, d, args[:bar]), s.nodes(t, d, args[bar+1:])
		return func() { network.Partition(sideA, sideB) }
	case "heal":
		want(0)
		return network.Heal
	case "block", "unblock":
		want(2)
		from, to := s.node(t, d, args[0]), s.node(t, d, args[1])
		if verb == "block" {
			return func() { network.Block(from, to) }
		}
		return func() { network.Unblock(from, to) }
	case "jump":
		want(2)
		node, delta := s.node(t, d, args[0]), parseDuration(t, d, args[1])
		return func() { world.JumpClock(node, delta) }
	case "network":
		config := parseNetwork(t, d, args)
		return func() { network.SetConfig(config) }
	}
	d.Fatalf(t, "unknown fault %q", verb)
	return nil
}

func parseNetwork(t *testing.T, d *datadriven.TestData, args []string) pnet.Config {
	config := pnet.Calm()
	for _, arg := range args {
		key, value, _ := strings.Cut(arg, "=")
		var err error
		switch key {
		case "delay":
			fixed := parseDuration(t, d, value)
			config.DelayMin, config.DelayMean = fixed, fixed
		case "duplicate":
			config.DuplicateProbability, err = strconv.ParseFloat(value, 64)
		case "loss":
			config.LossProbability, err = strconv.ParseFloat(value, 64)
		case "reorder":
			config.Reorder = true
		default:
			d.Fatalf(t, "network: unknown setting %q", arg)
		}
		if err != nil {
			d.Fatalf(t, "network %s: %v", arg, err)
		}
	}
	if err := config.Validate(); err != nil {
		d.Fatalf(t, "network: %v", err)
	}
	return config
}

func (s *scenario) node(t *testing.T, d *datadriven.TestData, name string) sim.NodeID {
	for _, id := range s.cluster.World.Nodes() {
		if s.cluster.World.NodeName(id) == name {
			return id
		}
	}
	d.Fatalf(t, "no node named %q", name)
	return 0
}

func (s *scenario) nodes(t *testing.T, d *datadriven.TestData, names []string) []sim.NodeID {
	ids := make([]sim.NodeID, len(names))
	for i, name := range names {
		ids[i] = s.node(t, d, name)
	}
	return ids
}

func parseDuration(t *testing.T, d *datadriven.TestData, text string) time.Duration {
	duration, err := time.ParseDuration(text)
	if err != nil {
		d.Fatalf(t, "bad duration %q: %v", text, err)
	}
	return duration
}

func nonEmptyLines(text string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	return lines
}

func debugTrace() io.Writer {
	if os.Getenv("SCENARIO_TRACE") != "" {
		return os.Stderr
	}
	return nil
}

package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/net"
)

// Config sets up a world. Everything random in the run is drawn from Seed.
type Config struct {
	Seed uint64
	// Network is the network's initial behaviour; the zero value means
	// net.Calm().
	Network net.Config
	// Codec encodes every message that crosses the network. Required to
	// send messages.
	Codec net.Codec
	// VirtualTimeMax bounds the run's virtual time; reaching it is a
	// liveness failure. Zero means one hour.
	VirtualTimeMax time.Duration
	// EventsMax bounds the number of events; reaching it is a liveness
	// failure. Zero means 100 million.
	EventsMax uint64
	// Trace, when set, receives one line per event. A FingerprintedTrace
	// also gets the running fingerprint at the end of every line.
	Trace io.Writer
}

// FingerprintedTrace is a trace writer whose lines end with the running
// fingerprint after the event (" #" and 16 hexadecimal digits), so that
// two traces can be compared event by event, payload bytes and untraced
// events included (proven diverge does).
type FingerprintedTrace struct{ io.Writer }

// Verdict is a run's outcome.
type Verdict string

const (
	VerdictOK   Verdict = "ok"
	VerdictFail Verdict = "fail"
)

// FailureKind classifies a failing run.
type FailureKind string

const (
	FailureNone      FailureKind = ""
	FailureLiveness  FailureKind = "liveness"  // a bound was hit: something never finished
	FailureInvariant FailureKind = "invariant" // a node, process or checker found a broken invariant
	FailurePanic     FailureKind = "panic"     // simulated code panicked
)

// Result summarizes a run.
type Result struct {
	Seed         uint64
	Verdict      Verdict
	Failure      FailureKind
	Reason       string // one line; deterministic
	Detail       string // e.g. a panic's stack; not deterministic, never hashed
	Events       uint64
	VirtualNanos int64
	Fingerprint  uint64
}

// FingerprintHex returns the fingerprint as 16 hexadecimal digits.
func (r Result) FingerprintHex() string { return formatFingerprint(r.Fingerprint) }

// World is one simulated run: nodes, processes, a network, virtual time and
// an event queue, all driven by one seed. It is single-threaded: only Run's
// loop and the one process it resumes ever execute.
type World struct {
	seed      uint64
	config    Config
	nowNanos  int64
	seq       uint64
	queue     eventQueue
	events    uint64
	print     fingerprint
	network   *net.Network
	codec     net.Codec
	streams   map[string]*rand.Rand
	faultsRNG *rand.Rand
	nodes     []*nodeState // index id-1

	processes    []*Process // index id-1
	processCount uint32
	live         int // processes not yet done
	timerCount   uint64
	deliveries   []int64 // scratch for network plans

	envelopeArena []envelope // see newEnvelope
	encodeArena   []byte     // see encode

	diskFaults diskFaults
	nemesis    *nemesis
	faultLog   []FaultEvent
	stopped    bool
	failure    *Result
}

// NewWorld creates an empty world.
func NewWorld(config Config) *World {
	if config.Network == (net.Config{}) {
		config.Network = net.Calm()
	}
	if config.VirtualTimeMax == 0 {
		config.VirtualTimeMax = time.Hour
	}
	if config.EventsMax == 0 {
		config.EventsMax = 100_000_000
	}
	w := &World{
		seed:    config.Seed,
		config:  config,
		print:   newFingerprint(),
		codec:   config.Codec,
		streams: map[string]*rand.Rand{},
	}
	w.network = net.New(config.Network, w.Rand("network"))
	w.faultsRNG = w.Rand("faults/disk")
	w.print.word(config.Seed)
	return w
}

// Seed returns the world's seed.
func (w *World) Seed() uint64 { return w.seed }

// Rand returns the PRNG stream called name: the same name gives the same
// stream object; different names give independent streams.
func (w *World) Rand(name string) *rand.Rand {
	if r, ok := w.streams[name]; ok {
		return r
	}
	r := newStream(w.seed, name)
	w.streams[name] = r
	return r
}

// Now returns the global virtual time in nanoseconds since the run began.
func (w *World) Now() int64 { return w.nowNanos }

// Network returns the network model, for fault schedules and tests.
func (w *World) Network() *net.Network { return w.network }

// AddNode adds a machine and boots its server (if any) at the current time.
func (w *World) AddNode(options NodeOptions) NodeID {
	id := NodeID(len(w.nodes) + 1)
	if options.Name == "" {
		options.Name = fmt.Sprintf("n%d", id)
	}
	state := &nodeState{
		id:      id,
		options: options,
		disk:    newDisk(),
		rng:     newStream(w.seed, "node/"+options.Name),
		timers:  map[uint64]uint64{},
	}
	state.clock = clock.NewVirtual(w.Now)
	w.nodes = append(w.nodes, state)
	if options.Factory != nil {
		w.After(0, func() { w.boot(state) })
	}
	return id
}

// Nodes returns the ids of all nodes in order.
func (w *World) Nodes() []NodeID {
	ids := make([]NodeID, len(w.nodes))
	for i := range w.nodes {
		ids[i] = NodeID(i + 1)
	}
	return ids
}

// NodeName returns a node's name.
func (w *World) NodeName(id NodeID) string { return w.nodeState(id).options.Name }

// Disk returns a node's disk.
func (w *World) Disk(id NodeID) *Disk { return w.nodeState(id).disk }

// Clock returns a node's local clock, for clock faults.
func (w *World) Clock(id NodeID) *clock.Virtual { return w.nodeState(id).clock }

// Server returns a node's current server (nil while it is down), so tests
// and checkers can inspect its state.
func (w *World) Server(id NodeID) Node { return w.nodeState(id).server }

// IsDown reports whether a node is crashed.
func (w *World) IsDown(id NodeID) bool { return w.nodeState(id).down }

// IsPaused reports whether a node is paused.
func (w *World) IsPaused(id NodeID) bool { return w.nodeState(id).paused }

func (w *World) nodeState(id NodeID) *nodeState {
	if id == 0 || int(id) > len(w.nodes) {
		panic(fmt.Sprintf("sim: no node %d (the world has %d)", id, len(w.nodes)))
	}
	return w.nodes[id-1]
}

// After schedules fn to run after d of virtual time, as an event of its own.
func (w *World) After(d time.Duration, fn func()) {
	w.schedule(event{atNanos: w.nowNanos + int64(d), kind: eventCall, call: fn})
}

// Stop ends the run after the current event, with the verdict so far.
func (w *World) Stop() { w.stopped = true }

// Fail ends the run with a failing verdict (kind invariant). The first
// failure wins.
func (w *World) Fail(reason string) { w.failAs(FailureInvariant, reason, "") }

func (w *World) failWithDetail(reason, detail string) { w.failAs(FailurePanic, reason, detail) }

func (w *World) failAs(kind FailureKind, reason, detail string) {
	if w.failure != nil {
		return
	}
	w.failure = &Result{Verdict: VerdictFail, Failure: kind, Reason: reason, Detail: detail}
}

func (w *World) schedule(e event) {
	w.seq++
	e.seq = w.seq
	w.queue.push(e)
}

// Run runs the world until every spawned process has finished, nothing is
// left to do, Stop or Fail is called, or a bound is hit.
func (w *World) Run() Result {
	return w.run(func() bool { return w.processCount > 0 && w.live == 0 })
}

// RunFor runs the world for d of virtual time (or until Stop, Fail or a
// bound), whether or not processes are still running.
func (w *World) RunFor(d time.Duration) Result {
	deadline := w.nowNanos + int64(d)
	return w.run(func() bool {
		return w.queue.len() > 0 && w.queue.peek().atNanos > deadline
	})
}

func (w *World) run(done func() bool) Result {
	for w.failure == nil && !w.stopped && !done() && w.queue.len() > 0 {
		if w.queue.peek().atNanos > int64(w.config.VirtualTimeMax) {
			w.failAs(FailureLiveness, fmt.Sprintf("virtual time bound %v reached with %d processes unfinished",
				w.config.VirtualTimeMax, w.live), "")
			break
		}
		if w.events >= w.config.EventsMax {
			w.failAs(FailureLiveness, fmt.Sprintf("event bound %d reached with %d processes unfinished",
				w.config.EventsMax, w.live), "")
			break
		}
		e := w.queue.pop()
		w.nowNanos = e.atNanos
		w.dispatchGuarded(&e)
	}
	return w.result()
}

// dispatchGuarded turns a panic in a server or a scheduled function into a
// failing verdict, so that a bug under test is reported with its seed.
func (w *World) dispatchGuarded(e *event) {
	defer func() {
		if recovered := recover(); recovered != nil {
			w.failWithDetail(fmt.Sprintf("panic in %s event at n%d: %v", e.kind, e.node, recovered),
				string(debug.Stack()))
		}
	}()
	w.dispatch(e)
}

// Close kills every unfinished process so that no coroutine outlives the
// world. Call it when done with a world (Run does not, so a test may run on).
func (w *World) Close() {
	for _, p := range w.processes {
		p.kill()
	}
}

func (w *World) result() Result {
	r := Result{Verdict: VerdictOK}
	if w.failure != nil {
		r = *w.failure
	}
	r.Seed = w.seed
	r.Events = w.events
	r.VirtualNanos = w.nowNanos
	r.Fingerprint = w.print.hash
	return r
}

func (w *World) dispatch(e *event) {
	switch e.kind {
	case eventCall:
		w.count(e, nil)
		e.call()
	case eventDeliver:
		w.dispatchDelivery(e)
	case eventTimer:
		w.dispatchTimer(e)
	case eventWake:
		w.dispatchWake(e)
	}
}

// count records an event that takes effect: in the event count, the
// fingerprint and the trace.
func (w *World) count(e *event, payload []byte) {
	w.events++
	w.print.word(uint64(e.atNanos))
	w.print.word(uint64(e.kind) | uint64(e.node)<<8 | uint64(e.process)<<40)
	switch e.kind {
	case eventDeliver:
		w.print.word(uint64(e.message.from.Node) | uint64(e.message.from.Process)<<32)
		w.print.bytes(payload)
	case eventTimer:
		w.print.word(e.tag)
	}
	if w.config.Trace != nil && e.kind != eventCall {
		w.traceEvent(e)
	}
}

// hold keeps an event for a paused node until it resumes. It reports
// whether the event was held.
func (w *World) hold(node *nodeState, e *event) bool {
	if !node.paused {
		return false
	}
	node.held = append(node.held, *e)
	return true
}

func (w *World) dispatchDelivery(e *event) {
	if int(e.node) > len(w.nodes) || e.node == 0 {
		return
	}
	node := w.nodes[e.node-1]
	if node.down || w.hold(node, e) {
		return
	}
	message, err := w.codec.Decode(e.message.data)
	if err != nil {
		w.Fail(fmt.Sprintf("message %s->%s does not decode: %v", e.message.from, Addr{e.node, e.process}, err))
		return
	}
	if e.process == 0 {
		if node.server == nil {
			return
		}
		w.count(e, e.message.data)
		node.server.Receive(node.context, e.message.from, message)
		return
	}
	p := w.processes[e.process-1]
	if p.done || p.node != node {
		return
	}
	w.count(e, e.message.data)
	p.deliver(e.message.from, message)
}

func (w *World) dispatchTimer(e *event) {
	node := w.nodes[e.node-1]
	if node.down || node.incarnation != e.incarnation || w.hold(node, e) {
		return
	}
	tag, live := node.timers[e.token]
	if !live {
		return // cancelled
	}
	delete(node.timers, e.token)
	e.tag = tag
	w.count(e, nil)
	node.server.Timer(node.context, tag)
}

func (w *World) dispatchWake(e *event) {
	p := w.processes[e.process-1]
	if p.done || e.token != p.token || w.hold(p.node, e) {
		return
	}
	w.count(e, nil)
	p.run()
}

// send encodes message and schedules its deliveries. A message that does
// not encode fails the run: an encoding bug must not pass for message loss.
func (w *World) send(from, to Addr, message any) error {
	data, err := w.encode(message)
	if err != nil {
		w.Fail(fmt.Sprintf("%s: send %T to %s: %v", from, message, to, err))
		return err
	}
	w.deliveries = w.network.Plan(from.Node, to.Node, w.nowNanos, w.deliveries[:0])
	if len(w.deliveries) == 0 {
		if w.config.Trace != nil {
			w.traceLine(from.Node, fmt.Sprintf("lost %s->%s %s", from, to, w.describe(message, data)))
		}
		return nil
	}
	shared := w.newEnvelope(from, data)
	for _, at := range w.deliveries {
		w.schedule(event{atNanos: at, kind: eventDeliver, node: to.Node, process: to.Process, message: shared})
	}
	return nil
}

// envelope is an encoded message in flight. Every delivery decodes its
// own copy, so no two receivers share memory. Envelopes and their bytes
// are never changed once sent.
type envelope struct {
	from Addr
	data []byte
}

// Messages in flight are carved out of shared arrays rather than allocated
// one by one (two allocations per message were a large part of a simulated
// transaction's cost). An array lives until its last message is delivered
// or dropped; nothing is ever written into a slot twice.
const (
	envelopeArenaLen        = 256      // envelopes per array
	encodeArenaBytes        = 64 << 10 // bytes per array of encoded messages
	encodeArenaRoomBytesMin = 1 << 10  // start a new array below this much room
)

// appendEncoder is the codec method that lets send encode into an arena.
type appendEncoder interface {
	AppendEncode(dst []byte, msg any) ([]byte, error)
}

// encode returns message's wire form in bytes that no one else writes.
func (w *World) encode(message any) ([]byte, error) {
	encoder, ok := w.codec.(appendEncoder)
	if !ok {
		return w.codec.Encode(message)
	}
	if cap(w.encodeArena)-len(w.encodeArena) < encodeArenaRoomBytesMin {
		w.encodeArena = make([]byte, 0, encodeArenaBytes)
	}
	start := len(w.encodeArena)
	out, err := encoder.AppendEncode(w.encodeArena, message)
	if err != nil {
		return nil, err
	}
	if len(out) > cap(w.encodeArena) {
		// Too big for the room left: append moved everything to a new
		// array; keep only this message's bytes.
		return slices.Clone(out[start:]), nil
	}
	w.encodeArena = out
	return out[start:len(out):len(out)], nil
}

// newEnvelope returns an envelope from the current array of envelopes.
func (w *World) newEnvelope(from Addr, data []byte) *envelope {
	if len(w.envelopeArena) == cap(w.envelopeArena) {
		w.envelopeArena = make([]envelope, 0, envelopeArenaLen)
	}
	w.envelopeArena = append(w.envelopeArena, envelope{from: from, data: data})
	return &w.envelopeArena[len(w.envelopeArena)-1]
}

func (w *World) setTimer(node *nodeState, after time.Duration, tag uint64) TimerID {
	w.timerCount++
	id := w.timerCount
	node.timers[id] = tag
	w.schedule(event{atNanos: w.nowNanos + max(int64(after), 0), kind: eventTimer, node: node.id,
		incarnation: node.incarnation, token: id})
	return TimerID(id)
}

func (w *World) wakeAfter(p *Process, d time.Duration) {
	w.schedule(event{atNanos: w.nowNanos + max(int64(d), 0), kind: eventWake, node: p.node.id,
		incarnation: p.node.incarnation, process: p.id, token: p.token})
}

// note folds a line of text into the fingerprint and the trace.
func (w *World) note(node NodeID, text string) {
	w.print.text(text)
	if w.config.Trace != nil {
		w.traceLine(node, text)
	}
}

func (w *World) traceEvent(e *event) {
	switch e.kind {
	case eventDeliver:
		message, _ := w.codec.Decode(e.message.data)
		w.traceLine(e.node, fmt.Sprintf("deliver %s->%s %s", e.message.from, Addr{e.node, e.process},
			w.describe(message, e.message.data)))
	case eventTimer:
		w.traceLine(e.node, fmt.Sprintf("timer tag=%d", e.tag))
	case eventWake:
		w.traceLine(e.node, "wake "+w.processes[e.process-1].name)
	}
}

// describe names a message for the trace: its codec kind when the codec
// knows kinds, else its Go type.
func (w *World) describe(message any, data []byte) string {
	if namer, ok := w.codec.(interface{ Kind(any) (string, bool) }); ok {
		if kind, known := namer.Kind(message); known {
			return fmt.Sprintf("%s %dB", kind, len(data))
		}
	}
	return fmt.Sprintf("%T %dB", message, len(data))
}

func (w *World) traceLine(node NodeID, text string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%14s ", time.Duration(w.nowNanos))
	if node != 0 && int(node) <= len(w.nodes) {
		b.WriteString(w.nodes[node-1].options.Name)
	} else {
		b.WriteString("world")
	}
	b.WriteByte(' ')
	b.WriteString(text)
	if _, fingerprinted := w.config.Trace.(FingerprintedTrace); fingerprinted {
		b.WriteString(" #")
		b.WriteString(formatFingerprint(w.print.hash))
	}
	b.WriteByte('\n')
	io.WriteString(w.config.Trace, b.String())
}

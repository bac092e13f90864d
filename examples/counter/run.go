package counter

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/proven2pc/proven/net"
	"github.com/proven2pc/proven/sim"
)

// Bug plants a known mistake in the server, to show the invariants catch it.
type Bug int

const (
	BugNone               Bug = iota
	BugAckBeforeSync          // acknowledge before the log is durable
	BugNoDeduplication        // apply a retried request again
	BugStampFromWallClock     // stamp with the raw local clock, not the HLC
)

// Options configure one run of the scenario.
type Options struct {
	Seed                uint64
	Faults              sim.FaultMode
	Clients             int           // default 3
	IncrementsPerClient int           // default 20
	FaultPhase          time.Duration // default 5s of virtual time
	Trace               io.Writer
	Bug                 Bug
}

// Report is one run's outcome.
type Report struct {
	sim.Result
	Plan         sim.FaultPlan
	Acknowledged int
	Final        int64
	Recoveries   int
}

// Codec returns the registry of the counter protocol's messages.
func Codec() *net.Registry {
	codec := net.NewRegistry()
	net.Register[MsgIncrement](codec, "MsgIncrement")
	net.Register[MsgIncremented](codec, "MsgIncremented")
	net.Register[MsgRead](codec, "MsgRead")
	net.Register[MsgReadReply](codec, "MsgReadReply")
	return codec
}

// acknowledgement is one increment as the client saw it, with global
// virtual times (the checker is omniscient; clients only read local clocks).
type acknowledgement struct {
	client, index int
	request       uint64
	invokedAt     int64
	ackedAt       int64
	reply         MsgIncremented
}

type run struct {
	options  Options
	world    *sim.World
	server   sim.NodeID
	acks     []acknowledgement
	finished int
}

// Run runs the scenario once and checks its invariants.
func Run(options Options) Report {
	if options.Clients == 0 {
		options.Clients = 3
	}
	if options.IncrementsPerClient == 0 {
		options.IncrementsPerClient = 20
	}
	if options.FaultPhase == 0 {
		options.FaultPhase = 5 * time.Second
	}
	w := sim.NewWorld(sim.Config{Seed: options.Seed, Codec: Codec(), Trace: options.Trace,
		VirtualTimeMax: 5 * time.Minute, EventsMax: 5_000_000})
	defer w.Close()
	r := &run{options: options, world: w}
	r.server = w.AddNode(sim.NodeOptions{Name: "server", Crashable: true,
		Factory: func() sim.Node { return &Server{bug: options.Bug} }})
	for c := range options.Clients {
		node := w.AddNode(sim.NodeOptions{Name: fmt.Sprintf("client%d", c+1)})
		w.Spawn(node, fmt.Sprintf("client%d", c+1), func(p *sim.Process) { r.client(p, c) })
	}
	checker := w.AddNode(sim.NodeOptions{Name: "checker"})
	w.Spawn(checker, "checker", r.check)
	plan := sim.DrawFaultPlan(options.Faults, w.Rand("faults/plan"), options.FaultPhase)
	w.StartFaults(plan)
	report := Report{Plan: plan, Acknowledged: len(r.acks)}
	report.Result = w.Run()
	report.Acknowledged = len(r.acks)
	if server, ok := w.Server(r.server).(*Server); ok {
		report.Final = server.Value()
		report.Recoveries = server.Recoveries
	}
	return report
}

// client increments the counter, retrying each increment until it is
// acknowledged. Replies to earlier attempts are recognized by request id.
func (r *run) client(p *sim.Process, client int) {
	rng := p.Rand()
	for i := range r.options.IncrementsPerClient {
		request := uint64(client+1)<<32 | uint64(i)
		invokedAt := r.world.Now()
		for {
			if err := p.Send(sim.Addr{Node: r.server}, MsgIncrement{Request: request}); err != nil {
				p.Fail("send: %v", err)
				return
			}
			if reply, ok := receiveFor(p, request, time.Duration(50+rng.IntN(100))*time.Millisecond); ok {
				r.acks = append(r.acks, acknowledgement{client: client, index: i, request: request,
					invokedAt: invokedAt, ackedAt: r.world.Now(), reply: reply})
				break
			}
		}
		p.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
	}
	r.finished++
}

// receiveFor waits up to timeout for the acknowledgement of request,
// dropping stale replies to earlier requests.
func receiveFor(p *sim.Process, request uint64, timeout time.Duration) (MsgIncremented, bool) {
	deadline := p.Now() + int64(timeout)
	for {
		remaining := time.Duration(deadline - p.Now())
		if remaining < 0 {
			return MsgIncremented{}, false
		}
		_, message, ok := p.Receive(remaining)
		if !ok {
			return MsgIncremented{}, false
		}
		if reply, match := message.(MsgIncremented); match && reply.Request == request {
			return reply, true
		}
	}
}

// check waits for the clients and the healing, reads the final value, and
// verifies the invariants.
func (r *run) check(p *sim.Process) {
	for r.finished < r.options.Clients || !r.world.Healed() {
		p.Sleep(100 * time.Millisecond)
	}
	var final int64
	for attempt := uint64(1); ; attempt++ {
		_ = p.Send(sim.Addr{Node: r.server}, MsgRead{Request: attempt})
		_, message, ok := p.Receive(200 * time.Millisecond)
		if reply, match := message.(MsgReadReply); ok && match && reply.Request == attempt {
			final = reply.Value
			break
		}
	}
	server, up := r.world.Server(r.server).(*Server)
	if !up {
		p.Fail("the server answered but is down")
		return
	}
	if err := r.verify(server, final); err != nil {
		p.Fail("%v", err)
	}
}

func (r *run) verify(server *Server, final int64) error {
	if distinct := int64(len(server.requests)); final != distinct {
		return fmt.Errorf("final value %d but %d distinct requests applied", final, distinct)
	}
	for _, ack := range r.acks {
		value, ok := server.Applied(ack.request)
		if !ok {
			return fmt.Errorf("client%d increment %d was acknowledged (value %d) but is lost", ack.client+1, ack.index, ack.reply.Value)
		}
		if value != ack.reply.Value {
			return fmt.Errorf("client%d increment %d: acknowledged value %d, durable value %d", ack.client+1, ack.index, ack.reply.Value, value)
		}
	}
	byValue := slices.Clone(r.acks)
	slices.SortFunc(byValue, func(a, b acknowledgement) int { return int(a.reply.Value - b.reply.Value) })
	for i := 1; i < len(byValue); i++ {
		previous, current := byValue[i-1], byValue[i]
		if previous.reply.Value == current.reply.Value {
			return fmt.Errorf("value %d acknowledged twice", current.reply.Value)
		}
		if !previous.reply.Stamp.Less(current.reply.Stamp) {
			return fmt.Errorf("value %d stamped %v, not before value %d stamped %v",
				previous.reply.Value, previous.reply.Stamp, current.reply.Value, current.reply.Stamp)
		}
	}
	for _, a := range r.acks {
		for _, b := range r.acks {
			if a.ackedAt < b.invokedAt && a.reply.Value >= b.reply.Value {
				return fmt.Errorf("not linearizable: value %d acknowledged at %v before value %d was invoked at %v",
					a.reply.Value, time.Duration(a.ackedAt), b.reply.Value, time.Duration(b.invokedAt))
			}
		}
	}
	return nil
}

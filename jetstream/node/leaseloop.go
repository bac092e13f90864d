package node

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/proven2pc/proven/engines/processor"
)

// processorCheckpointNever: the processors on JetStream write no
// checkpoint; a node that takes a stream over replays its log from the
// first entry (or resumes a processor it parked earlier).
const processorCheckpointNever = 1 << 30

// leaseLoop keeps this node's leases: every round it renews the leases
// that are due, stops the hosts whose lease lapsed or was lost and the
// processors the assignment no longer gives it, and tries to acquire the
// leases of the streams assigned to it and of the runner.
func (n *Node) leaseLoop() {
	defer n.loops.Done()
	period := min(n.config.LeaseTTL/8, 100*time.Millisecond)
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		n.leaseRound()
		select {
		case <-ticker.C:
		case <-n.leaseWake:
		case <-n.stop:
			return
		}
	}
}

// kickLeases asks for a lease round now.
func (n *Node) kickLeases() {
	select {
	case n.leaseWake <- struct{}{}:
	default:
	}
}

// fenced is called by a host that found its lease invalid.
func (n *Node) fenced(string) { n.kickLeases() }

func (n *Node) leaseRound() {
	n.mutex.Lock()
	assigned := n.assigned()
	hosted := make([]string, 0, len(n.hosts))
	for name := range n.hosts {
		hosted = append(hosted, name)
	}
	n.mutex.Unlock()
	slices.Sort(hosted)
	for _, name := range hosted {
		n.keepHost(name, assigned[name])
	}
	n.keepRunner()
	for _, spec := range n.config.Streams {
		n.mutex.Lock()
		_, running := n.hosts[spec.Name]
		n.mutex.Unlock()
		if assigned[spec.Name] && !running {
			n.acquireStream(spec.Name)
		}
	}
	n.mutex.Lock()
	leading := n.runner != nil
	n.mutex.Unlock()
	if !leading {
		n.acquireRunner()
	}
}

// keepHost renews a hosted stream's lease, or stops its host: when the
// stream is no longer assigned here (the lease is released), when the
// lease was lost, or when it lapsed (renewals failed; the next round tries
// to take it back).
func (n *Node) keepHost(name string, assigned bool) {
	n.mutex.Lock()
	host := n.hosts[name]
	n.mutex.Unlock()
	if host == nil {
		return
	}
	if !assigned {
		n.stopHost(name)
		n.leases.release(context.Background(), host.lease)
		return
	}
	now := time.Now()
	if n.leases.due(host.lease, now) {
		if err := n.leases.renew(context.Background(), host.lease); errors.Is(err, errLeaseLost) {
			n.config.Logger.Info("node: lost the lease", "stream", name)
			n.stopHost(name)
			return
		}
	}
	if !host.lease.valid(time.Now().UnixNano()) {
		n.stopHost(name)
	}
}

// keepRunner renews the runner's lease, or stops the runner.
func (n *Node) keepRunner() {
	n.mutex.Lock()
	host := n.runner
	n.mutex.Unlock()
	if host == nil {
		return
	}
	if n.leases.due(host.lease, time.Now()) {
		_ = n.leases.renew(context.Background(), host.lease)
	}
	if host.stopped() || !host.lease.valid(time.Now().UnixNano()) {
		n.mutex.Lock()
		n.runner = nil
		n.mutex.Unlock()
		host.close()
	}
}

func (n *Node) acquireStream(name string) {
	held, err := n.leases.acquire(context.Background(), "stream."+name)
	if err != nil {
		return
	}
	n.mutex.Lock()
	p := n.parked[name]
	delete(n.parked, name)
	n.mutex.Unlock()
	if p == nil {
		spec := n.specs[name]
		p, err = processor.Recover(processor.Config{Stream: name, Self: processorAddress(name), Log: logAddress,
			CheckpointEvery: processorCheckpointNever, VersionRetention: n.config.VersionRetention}, nil, spec.Restore)
		if err != nil {
			n.config.Logger.Error("node: cannot build the processor", "stream", name, "error", err)
			n.leases.release(context.Background(), held)
			return
		}
	}
	host := newProcessorHost(n, name, p, held)
	n.mutex.Lock()
	n.hosts[name] = host
	n.mutex.Unlock()
	if err := host.start(); err != nil {
		n.stopHost(name)
		n.leases.release(context.Background(), held)
		return
	}
	n.config.Logger.Info("node: hosting", "stream", name, "node", n.config.ID, "from", p.AppliedPosition())
}

// stopHost stops a stream's host and parks its processor.
func (n *Node) stopHost(name string) {
	n.mutex.Lock()
	host := n.hosts[name]
	delete(n.hosts, name)
	n.mutex.Unlock()
	if host == nil {
		return
	}
	host.close()
	n.mutex.Lock()
	n.parked[name] = host.processor
	n.mutex.Unlock()
}

func (n *Node) acquireRunner() {
	held, err := n.leases.acquire(context.Background(), "runner")
	if err != nil {
		return
	}
	host, err := n.startRunner(held)
	if err != nil {
		n.config.Logger.Warn("node: cannot start the runner", "error", err)
		n.leases.release(context.Background(), held)
		return
	}
	n.mutex.Lock()
	n.runner = host
	n.mutex.Unlock()
}

package jepsen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// runNemesis applies one fault at a time until end, each healed before the
// next, in turn: a SIGKILL of the NATS server leading a stream whose
// Commit was just sent (aimed at commit), a SIGKILL of a node process (its
// leases expire and the other node takes its streams over), a SIGKILL of a
// transaction's coordinator node right after its Prepare was sent, then of
// the leader of a participant stream once the transaction's deadline
// passed (aimed at termination), a pause of a node (SIGSTOP, SIGCONT), and
// a SIGKILL of the leader of a stream whose Prepare of a distributed
// transaction was just sent (aimed at prepare). A killed server is
// restarted half a lease period to one and a half later, a killed node one
// to two lease periods later. One fault at a time keeps a quorum of
// servers and one running node: the faults test failover, not the loss of
// quorum (RunQuorumLoss does). Whether an aimed kill hit its phase is
// judged afterwards from the logs (logFacts.classify).
func runNemesis(ctx context.Context, d *deployment, w *watcher, faults *timeline, random *rand.Rand, end time.Time) error {
	lease := d.config.LeaseTTL
	for turn := 0; time.Now().Add(lease).Before(end) && ctx.Err() == nil; turn++ {
		wait(ctx, lease/2+time.Duration(random.Int64N(int64(lease))))
		var err error
		switch turn % 5 {
		case 0:
			err = aimedKill(ctx, d, w, faults, random, phaseCommit)
		case 1:
			err = killNode(ctx, d, faults, random)
		case 2:
			err = aimedKill(ctx, d, w, faults, random, phaseTermination)
		case 3:
			pauseNode(ctx, d, faults, random)
		default:
			err = aimedKill(ctx, d, w, faults, random, phasePrepare)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// The phases of two-phase commit a leader kill aims at.
const (
	phasePrepare     = "prepare"
	phaseCommit      = "commit"
	phaseTermination = "termination"
)

// aimedKill kills a stream leader aimed at phase (see runNemesis).
func aimedKill(ctx context.Context, d *deployment, w *watcher, faults *timeline, random *rand.Rand,
	phase string) error {
	switch phase {
	case phasePrepare:
		return killServer(ctx, d, faults, random, func() (string, string, bool) { return aimPrepare(ctx, w) })
	case phaseCommit:
		return killServer(ctx, d, faults, random, func() (string, string, bool) { return aimCommit(ctx, w) })
	}
	var killed uint32
	err := killServer(ctx, d, faults, random, func() (string, string, bool) {
		stream, note, node, ok := aimTermination(ctx, d, w)
		if node != 0 {
			killed = node
			faults.add(Fault{Target: fmt.Sprintf("node-%d", node), Action: "kill", Note: "coordinator"})
		}
		return stream, note, ok
	})
	if err == nil && killed != 0 {
		err = d.startNode(killed)
		faults.add(Fault{Target: fmt.Sprintf("node-%d", killed), Action: "restart"})
	}
	return err
}

// aimMissing, after the nemesis's turns, aims leader kills at the phases
// no kill has hit yet (judged from the streams read so far), at most
// attempts times and not past until.
func aimMissing(ctx context.Context, d *deployment, w *watcher, faults *timeline, random *rand.Rand,
	attempts int, until time.Time) error {
	for range attempts {
		if time.Now().After(until) {
			return nil
		}
		logs, err := readLogs(ctx, d.nc, d.config)
		if err != nil {
			return fmt.Errorf("jepsen: reading the streams: %w", err)
		}
		kills := classify(logs, d.config.Streams, faults.all())
		var missing string
		switch {
		case kills.Prepare == 0:
			missing = phasePrepare
		case kills.Commit == 0:
			missing = phaseCommit
		case kills.Termination == 0:
			missing = phaseTermination
		default:
			return nil
		}
		d.config.Logf("jepsen: no leader kill hit %s yet: aiming again", missing)
		wait(ctx, d.config.LeaseTTL/2)
		if err := aimedKill(ctx, d, w, faults, random, missing); err != nil {
			return err
		}
	}
	return nil
}

func wait(ctx context.Context, duration time.Duration) {
	timer := time.NewTimer(duration)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// killServer kills the leader of the stream aim names (of a stream picked
// at random when the aim fails) and restarts it one to two lease periods
// later.
func killServer(ctx context.Context, d *deployment, faults *timeline, random *rand.Rand,
	aim func() (stream, note string, ok bool)) error {
	leaders := d.leaders(ctx)
	stream, note, ok := aim()
	if !ok {
		stream, note = d.config.Streams[random.IntN(len(d.config.Streams))], "not aimed"
	}
	server := leaders[stream]
	if server < 0 {
		server = random.IntN(d.cluster.Size())
	}
	name := fmt.Sprintf("nats-%d", server)
	d.cluster.Kill(server)
	faults.add(Fault{Target: name, Action: "kill", Led: led(leaders, server, d.config.Streams), Note: note})
	d.config.Logf("jepsen: SIGKILL %s (leader of %v): %s", name, led(leaders, server, d.config.Streams), note)
	wait(ctx, d.config.LeaseTTL/2+time.Duration(random.Int64N(int64(d.config.LeaseTTL))))
	if err := d.cluster.Restart(server); err != nil {
		return fmt.Errorf("jepsen: restarting %s: %w", name, err)
	}
	faults.add(Fault{Target: name, Action: "restart"})
	return nil
}

// killNode kills a running node with SIGKILL and starts it again once
// its leases have expired.
func killNode(ctx context.Context, d *deployment, faults *timeline, random *rand.Rand) error {
	running := d.running()
	if len(running) < 2 {
		return nil
	}
	id := running[random.IntN(len(running))]
	name := fmt.Sprintf("node-%d", id)
	faults.add(Fault{Target: name, Action: "kill"})
	d.config.Logf("jepsen: SIGKILL %s", name)
	d.killNode(id)
	wait(ctx, d.config.LeaseTTL+time.Duration(random.Int64N(int64(d.config.LeaseTTL))))
	if err := d.startNode(id); err != nil {
		return err
	}
	faults.add(Fault{Target: name, Action: "restart"})
	return nil
}

// pauseNode stops a running node with SIGSTOP for a quarter of a lease to
// twice a lease (so it sometimes loses its leases while paused and must
// not answer for them when resumed), then resumes it.
func pauseNode(ctx context.Context, d *deployment, faults *timeline, random *rand.Rand) {
	running := d.running()
	if len(running) < 2 {
		return
	}
	id := running[random.IntN(len(running))]
	name := fmt.Sprintf("node-%d", id)
	if !d.signalNode(id, true) {
		return
	}
	faults.add(Fault{Target: name, Action: "pause"})
	d.config.Logf("jepsen: SIGSTOP %s", name)
	lease := d.config.LeaseTTL
	wait(ctx, lease/4+time.Duration(random.Int64N(int64(2*lease))))
	d.signalNode(id, false)
	faults.add(Fault{Target: name, Action: "resume"})
}

package jepsen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// runNemesis applies one fault at a time until end, each healed before
// the next, in turn: it kills the NATS server leading a stream (any server when
// no leader is known) and restarts it, kills a node process with SIGKILL
// and starts it again (its leases expire and the other nodes take its
// streams over), or pauses a node with SIGSTOP, for longer or shorter
// than a lease, and resumes it with SIGCONT. One fault at a time keeps a
// quorum of servers and one running node: the faults test failover, not
// the loss of quorum.
func runNemesis(ctx context.Context, d *deployment, faults *timeline, random *rand.Rand, end time.Time) error {
	lease := d.config.LeaseTTL
	for turn := 0; time.Now().Add(lease).Before(end) && ctx.Err() == nil; turn++ {
		wait(ctx, lease/2+time.Duration(random.Int64N(int64(lease))))
		var err error
		switch turn % 3 {
		case 0:
			err = killServer(ctx, d, faults, random)
		case 1:
			err = killNode(ctx, d, faults, random)
		default:
			pauseNode(ctx, d, faults, random)
		}
		if err != nil {
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

// killServer kills the leader of a stream picked at random and restarts
// it one to two lease periods later.
func killServer(ctx context.Context, d *deployment, faults *timeline, random *rand.Rand) error {
	leaders := d.leaders(ctx)
	stream := d.config.Streams[random.IntN(len(d.config.Streams))]
	server := leaders[stream]
	if server < 0 {
		server = random.IntN(d.cluster.Size())
	}
	name := fmt.Sprintf("nats-%d", server)
	faults.add(Fault{Target: name, Action: "kill", Led: led(leaders, server, d.config.Streams)})
	d.config.Logf("jepsen: kill %s (leader of %v)", name, led(leaders, server, d.config.Streams))
	d.cluster.Kill(server)
	wait(ctx, d.config.LeaseTTL+time.Duration(random.Int64N(int64(d.config.LeaseTTL))))
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

package jepsen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/jetstream/natscluster"
)

// QuorumLoss times a run that loses JetStream's quorum. Zero fields take
// their defaults.
type QuorumLoss struct {
	// Before is how long the workloads run before the loss (default 3s).
	Before time.Duration
	// Lost is how long two of the three servers stay down (default 5s).
	Lost time.Duration
	// After is how long the workloads go on once a transaction begun
	// after the restart committed (default 2s).
	After time.Duration
	// HealTime bounds the wait for that commit (default 30s).
	HealTime time.Duration
}

func (q QuorumLoss) withDefaults() QuorumLoss {
	setDefault := func(d *time.Duration, fallback time.Duration) {
		if *d <= 0 {
			*d = fallback
		}
	}
	setDefault(&q.Before, 3*time.Second)
	setDefault(&q.Lost, 5*time.Second)
	setDefault(&q.After, 2*time.Second)
	setDefault(&q.HealTime, 30*time.Second)
	return q
}

// QuorumReport is what a quorum-loss run recorded: the Report (its
// histories and checks), and the loss on the histories' clock.
type QuorumReport struct {
	Report
	// LostNanos is when the second server was dead; RestartNanos when
	// their restart began; HealedNanos when a read-write transaction
	// invoked after RestartNanos first committed.
	LostNanos, RestartNanos, HealedNanos int64
}

// RunQuorumLoss starts the nodes as child processes on cluster (three
// servers, each a child process: Config.Command of natscluster), runs the
// bank, list-append and register workloads, and SIGKILLs two of the
// three servers at once, aimed at a transaction's commit (the leader of
// the stream a Commit or a one-phase commit was just sent to, and
// another), so that no stream has a quorum; after QuorumLoss.Lost it
// restarts them, waits until a transaction begun after the restart
// commits, lets the workloads go on for QuorumLoss.After, then reads the
// streams and checks as Run does.
func RunQuorumLoss(ctx context.Context, cluster *natscluster.Cluster, config Config, loss QuorumLoss) (QuorumReport, error) {
	if cluster.Size() != 3 {
		return QuorumReport{}, fmt.Errorf("jepsen: a quorum loss needs three servers, not %d", cluster.Size())
	}
	loss = loss.withDefaults()
	r, err := begin(ctx, cluster, config)
	if err != nil {
		return QuorumReport{}, err
	}
	defer r.close()
	r.startClients(ctx)
	wait(ctx, loss.Before)
	var report QuorumReport
	killed := r.loseQuorum(ctx)
	report.LostNanos = time.Since(r.start).Nanoseconds()
	wait(ctx, loss.Lost)
	report.RestartNanos = time.Since(r.start).Nanoseconds()
	for _, server := range killed {
		if err := cluster.Restart(server); err != nil {
			r.stopClients()
			return QuorumReport{}, fmt.Errorf("jepsen: restarting nats-%d: %w", server, err)
		}
		r.faults.add(Fault{Target: fmt.Sprintf("nats-%d", server), Action: "restart"})
	}
	report.HealedNanos = r.awaitCommitAfter(ctx, report.RestartNanos, loss.HealTime)
	if report.HealedNanos != 0 {
		wait(ctx, loss.After)
	}
	r.stopClients()
	if report.HealedNanos == 0 {
		return QuorumReport{}, fmt.Errorf("jepsen: no transaction begun after the restart committed within %s", loss.HealTime)
	}
	report.Report, err = r.finish(ctx)
	return report, err
}

// loseQuorum SIGKILLs the leader of the stream a Commit (or a one-phase
// commit) was just sent to (of a stream picked at random when none is
// seen within a second) and another server, and returns their indexes.
func (r *workloadRun) loseQuorum(ctx context.Context) []int {
	d := r.deployment
	random := rand.New(rand.NewPCG(r.config.Seed, 7))
	leaders := d.leaders(ctx)
	stream, note := r.config.Streams[random.IntN(len(r.config.Streams))], "not aimed"
	if p, ok := r.watcher.next(ctx, time.Second, func(p published) bool {
		return p.entry.Kind == wire.EntryCommit || p.entry.Kind == wire.EntryOnePhase
	}); ok {
		stream, note = p.stream, "commit of "+p.entry.Txn.String()+" sent"
	}
	first := leaders[stream]
	if first < 0 {
		first = random.IntN(3)
	}
	killed := []int{first, (first + 1 + random.IntN(2)) % 3}
	for _, server := range killed {
		d.cluster.Kill(server)
		r.faults.add(Fault{Target: fmt.Sprintf("nats-%d", server), Action: "kill", Led: led(leaders, server, r.config.Streams),
			Note: "quorum loss: " + note})
	}
	r.config.Logf("jepsen: SIGKILL nats-%d and nats-%d: quorum lost (%s)", killed[0], killed[1], note)
	return killed
}

// awaitCommitAfter waits, at most timeout, until a read-write
// transaction invoked at or after sinceNanos (on the histories' clock)
// has committed, and returns when it was seen (0 when none was).
func (r *workloadRun) awaitCommitAfter(ctx context.Context, sinceNanos int64, timeout time.Duration) int64 {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		for _, recorder := range []*recorder{r.bank, r.listAppend, r.register} {
			if committedSince(recorder.history(), sinceNanos) {
				return time.Since(r.start).Nanoseconds()
			}
		}
		wait(ctx, 100*time.Millisecond)
	}
	return 0
}

// committedSince reports whether history holds an ok read-write
// transaction (an operation with a transaction id: reads run ad hoc or
// read-only) invoked at or after sinceNanos.
func committedSince(history checkers.History, sinceNanos int64) bool {
	for _, operation := range history.Operations() {
		if operation.Type == checkers.TypeOK && operation.Txn != "" && operation.InvokeTimeNanos >= sinceNanos {
			return true
		}
	}
	return false
}

// DuringLoss counts a history's operations invoked while the quorum was
// lost (at or after LostNanos, before RestartNanos): Invoked, of which
// OKBefore completed ok before the restart began (none may: nothing can
// be stored without a quorum), and OKAfter completed ok after it.
type DuringLoss struct {
	Invoked, OKBefore, OKAfter int
}

// DuringLoss counts the operations of the report's histories invoked
// during the loss.
func (q QuorumReport) DuringLoss() DuringLoss {
	var counts DuringLoss
	for _, history := range q.histories() {
		for _, operation := range history.Operations() {
			if operation.InvokeTimeNanos < q.LostNanos || operation.InvokeTimeNanos >= q.RestartNanos {
				continue
			}
			counts.Invoked++
			if operation.Type != checkers.TypeOK {
				continue
			}
			if operation.CompleteTimeNanos < q.RestartNanos {
				counts.OKBefore++
			} else {
				counts.OKAfter++
			}
		}
	}
	return counts
}

// Unsettled returns the info completions of the report's histories that
// carry no commit timestamp: settled from the logs, every info
// completion of a transaction either became fail (it did not commit) or
// stayed info with its commit timestamp.
func (r Report) Unsettled() []checkers.Operation {
	var unsettled []checkers.Operation
	for _, history := range r.histories() {
		for _, operation := range history.Operations() {
			if operation.Type == checkers.TypeInfo && operation.CommitTimestamp == "" {
				unsettled = append(unsettled, operation)
			}
		}
	}
	return unsettled
}

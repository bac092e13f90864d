package jepsen

import (
	"context"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/engines/wire"
)

// watcher sees the entries published to the deployment's streams as they
// are sent (a core NATS subscription on the streams' subjects: before
// JetStream stores them), so the nemesis can aim a leader kill at a
// phase of two-phase commit.
type watcher struct {
	subscription *nats.Subscription
	entries      chan published
}

// published is one entry sent to a stream, and when it was seen.
type published struct {
	stream string
	entry  wire.Entry
	seen   time.Time
}

func watch(nc *nats.Conn, namespace string) (*watcher, error) {
	w := &watcher{entries: make(chan published, 1<<12)}
	prefix := namespace + ".log."
	subscription, err := nc.Subscribe(prefix+"*", func(msg *nats.Msg) {
		entry, err := wire.DecodeEntry(msg.Data)
		if err != nil {
			return
		}
		select {
		case w.entries <- published{stream: strings.TrimPrefix(msg.Subject, prefix), entry: entry, seen: time.Now()}:
		default: // the nemesis is not looking: drop
		}
	})
	if err != nil {
		return nil, err
	}
	w.subscription = subscription
	return w, nil
}

func (w *watcher) stop() { _ = w.subscription.Unsubscribe() }

// next drops the entries seen so far and returns the first one seen
// after that which wanted accepts, or false once timeout passed.
func (w *watcher) next(ctx context.Context, timeout time.Duration, wanted func(published) bool) (published, bool) {
	for drained := false; !drained; {
		select {
		case <-w.entries:
		default:
			drained = true
		}
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case p := <-w.entries:
			if wanted(p) {
				return p, true
			}
		case <-timer.C:
			return published{}, false
		case <-ctx.Done():
			return published{}, false
		}
	}
}

// distributed accepts the Prepare of a transaction on two or more streams.
func distributed(p published) bool {
	return p.entry.Kind == wire.EntryPrepare && len(p.entry.Participants) >= 2
}

// aimPrepare returns the stream whose leader to kill to hit a
// transaction's prepare: one whose Prepare was just sent.
func aimPrepare(ctx context.Context, w *watcher) (string, string, bool) {
	p, ok := w.next(ctx, 5*time.Second, distributed)
	return p.stream, "prepare of " + p.entry.Txn.String() + " sent", ok
}

// aimCommit returns a stream whose Commit of a transaction was just sent.
func aimCommit(ctx context.Context, w *watcher) (string, string, bool) {
	p, ok := w.next(ctx, 5*time.Second, func(p published) bool { return p.entry.Kind == wire.EntryCommit })
	return p.stream, "commit of " + p.entry.Txn.String() + " sent", ok
}

// aimTermination kills the coordinator of a transaction whose Prepare was
// just sent (so it is left prepared, to be terminated by the
// participants), and returns, once an entry past its deadline is sent to
// one of its participants (its processor is about to terminate it), that
// participant. It reports the node it killed (0 when none).
func aimTermination(ctx context.Context, d *deployment, w *watcher) (stream, note string, killed uint32, ok bool) {
	var coordinator uint32
	p, found := w.next(ctx, 5*time.Second, func(p published) bool {
		if !distributed(p) || len(d.running()) < 2 {
			return false
		}
		var running bool
		coordinator, running = d.coordinatorOf(p.entry.Txn)
		return running
	})
	if !found {
		return "", "", 0, false
	}
	d.killNode(coordinator)
	participants := map[string]bool{}
	for _, participant := range p.entry.Participants {
		participants[participant.Stream] = true
	}
	deadline := p.entry.DeadlineNanos
	past, ok := w.next(ctx, 10*time.Second, func(q published) bool {
		return participants[q.stream] && q.seen.UnixNano() > deadline
	})
	return past.stream, "termination of " + p.entry.Txn.String() + " (its coordinator killed)", coordinator, ok
}

package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/proven2pc/proven/coordinator/runner"
)

// placementKey holds the runner's record in the meta bucket.
const placementKey = "placement"

// runnerHost runs the runner step machine while this node holds the
// runner's lease: heartbeats arrive on the runner's subject, a ticker
// counts heartbeat intervals, and every placement change is written to
// the meta bucket before the assignments leave (persist before you
// speak). Only the goroutine touches the runner.
type runnerHost struct {
	node         *Node
	runner       *runner.Runner
	lease        *lease
	subscription *nats.Subscription

	mutex sync.Mutex
	inbox []runner.MsgHeartbeat
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

// startRunner recovers the runner from its record and starts hosting it.
func (n *Node) startRunner(held *lease) (*runnerHost, error) {
	ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
	defer cancel()
	var record []byte
	entry, err := n.meta.Get(ctx, placementKey)
	switch {
	case err == nil:
		record = entry.Value()
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, err
	}
	r, err := runner.Recover(n.runnerConfig(), record)
	if err != nil {
		return nil, err
	}
	h := &runnerHost{node: n, runner: r, lease: held, wake: make(chan struct{}, 1), stop: make(chan struct{}),
		done: make(chan struct{})}
	h.subscription, err = n.nc.Subscribe(n.subjects.runner(), h.receive)
	if err != nil {
		return nil, err
	}
	go h.run()
	return h, nil
}

func (n *Node) runnerConfig() runner.Config {
	config := runner.Config{HeartbeatMissesMax: n.config.HeartbeatMissesMax}
	for _, spec := range n.config.Streams {
		config.Streams = append(config.Streams, spec.Name)
	}
	for _, id := range n.config.Nodes {
		config.Nodes = append(config.Nodes, nodeAddress(id))
	}
	return config
}

func (h *runnerHost) receive(msg *nats.Msg) {
	_, _, message, err := decodeEnvelope(msg.Data)
	heartbeat, ok := message.(runner.MsgHeartbeat)
	if err != nil || !ok {
		return
	}
	h.mutex.Lock()
	if len(h.inbox) < 1024 {
		h.inbox = append(h.inbox, heartbeat)
	}
	h.mutex.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *runnerHost) run() {
	defer close(h.done)
	ticker := time.NewTicker(h.node.config.HeartbeatInterval)
	defer ticker.Stop()
	for {
		select {
		case <-h.wake:
			h.mutex.Lock()
			heartbeats := h.inbox
			h.inbox = nil
			h.mutex.Unlock()
			for _, heartbeat := range heartbeats {
				if !h.carry(h.runner.Step(heartbeat.Node, heartbeat)) {
					return
				}
			}
		case <-ticker.C:
			if !h.carry(h.runner.Tick()) {
				return
			}
		case <-h.stop:
			return
		}
	}
}

// carry writes the record, then sends the messages, while the lease is
// valid. A failed write stops the runner here (its lease lapses and
// another node recovers the runner from the last record written).
func (h *runnerHost) carry(ready runner.Ready) bool {
	if !h.lease.valid(time.Now().UnixNano()) {
		return len(ready.Record) == 0 && len(ready.Messages) == 0
	}
	if ready.Record != nil {
		ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
		_, err := h.node.meta.Put(ctx, placementKey, ready.Record)
		cancel()
		if err != nil {
			h.node.config.Logger.Warn("node: the runner could not record its placement; it stops", "error", err)
			h.lease.validUntil.Store(0)
			return false
		}
	}
	for _, out := range ready.Messages {
		h.node.send(runnerAddress, out.To, out.Message)
	}
	return true
}

func (h *runnerHost) stopped() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

func (h *runnerHost) close() {
	_ = h.subscription.Unsubscribe()
	close(h.stop)
	<-h.done
}

// heartbeat tells the runner this node is alive, with the version of the
// assignment it runs.
func (n *Node) heartbeat() {
	n.mutex.Lock()
	version := n.assignment.Version
	n.mutex.Unlock()
	n.send(nodeAddress(n.config.ID), runnerAddress, runner.MsgHeartbeat{Node: nodeAddress(n.config.ID), Version: version})
}

// adopt takes an assignment newer than the one this node runs; the lease
// loop starts and stops processors to match it.
func (n *Node) adopt(assignment runner.MsgAssignment) {
	n.mutex.Lock()
	defer n.mutex.Unlock()
	if assignment.Version <= n.assignment.Version {
		return
	}
	n.assignment = assignment
	n.kickLeases()
}

// assigned returns the streams the current assignment gives this node.
// Requires: n.mutex held.
func (n *Node) assigned() map[string]bool {
	streams := map[string]bool{}
	for _, placement := range n.assignment.Placements {
		if placement.Node == nodeAddress(n.config.ID) {
			streams[placement.Stream] = true
		}
	}
	return streams
}

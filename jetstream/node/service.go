package node

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/jetstream/remote"
)

// requestsInFlightMax bounds the service's requests being served at once;
// beyond it a request is refused at once (the client sees an error, not
// a silence).
const requestsInFlightMax = 4096

// service serves the node's transaction service (package remote's
// protocol) on <namespace>.client.<id>: each request on a goroutine of
// its own, transactions kept by handle until decided, and rolled back
// once their client has been quiet past their deadline.
type service struct {
	node         *Node
	subscription *nats.Subscription
	inFlight     chan struct{}

	mutex sync.Mutex
	txns  map[uint64]*servedTxn
	next  uint64
}

type servedTxn struct {
	// mutex serializes the calls of one transaction (a Txn is used by one
	// goroutine at a time).
	mutex        sync.Mutex
	txn          *Txn
	expiresNanos int64
}

// Serve starts answering the transaction service's requests. Close stops
// it.
func (n *Node) Serve() error {
	s := &service{node: n, inFlight: make(chan struct{}, requestsInFlightMax), txns: map[uint64]*servedTxn{}}
	subscription, err := n.nc.Subscribe(n.subjects.client(n.config.ID), s.receive)
	if err != nil {
		return fmt.Errorf("node: serving transactions: %w", err)
	}
	// The server has the subscription once Serve returns (a client on
	// another server of the cluster sees it once the servers exchange
	// interest).
	if err := n.nc.Flush(); err != nil {
		_ = subscription.Unsubscribe()
		return fmt.Errorf("node: serving transactions: %w", err)
	}
	s.subscription = subscription
	n.mutex.Lock()
	n.subscriptions = append(n.subscriptions, subscription)
	n.mutex.Unlock()
	n.loops.Add(1)
	go s.expireLoop()
	return nil
}

func (s *service) receive(msg *nats.Msg) {
	select {
	case s.inFlight <- struct{}{}:
	default:
		s.respond(msg, remote.Reply{Error: &remote.Error{Kind: remote.KindOther, Message: "node: too many requests"}})
		return
	}
	go func() {
		defer func() { <-s.inFlight }()
		var request remote.Request
		if err := json.Unmarshal(msg.Data, &request); err != nil {
			s.respond(msg, remote.Reply{Error: remote.EncodeError(fmt.Errorf("node: a request that is not one: %w", err))})
			return
		}
		s.respond(msg, s.serve(request))
	}()
}

func (s *service) respond(msg *nats.Msg, reply remote.Reply) {
	data, err := json.Marshal(reply)
	if err == nil {
		_ = msg.Respond(data)
	}
}

func (s *service) serve(request remote.Request) remote.Reply {
	ctx := context.Background()
	switch request.Op {
	case remote.OpBegin:
		return s.begin(ctx, request)
	case remote.OpExecute, remote.OpCommit, remote.OpRollback:
		return s.onTxn(ctx, request)
	case remote.OpRead:
		return s.read(ctx, request)
	case remote.OpAdHoc:
		result, err := s.node.AdHoc().Execute(ctx, request.Stream, request.Operation)
		return remote.Reply{Result: result, Error: remote.EncodeError(err)}
	}
	return remote.Reply{Error: remote.EncodeError(fmt.Errorf("node: unknown request %q", request.Op))}
}

func (s *service) begin(ctx context.Context, request remote.Request) remote.Reply {
	timeout := time.Duration(request.TimeoutNanos)
	if timeout <= 0 || timeout > time.Hour {
		return remote.Reply{Error: remote.EncodeError(fmt.Errorf("node: transaction timeout %v", timeout))}
	}
	var txn *Txn
	if request.Category == "" {
		txn = s.node.Begin(ctx, timeout)
	} else {
		arguments, err := value.DecodeKeyTuple(request.Arguments)
		if err != nil {
			return remote.Reply{Error: remote.EncodeError(fmt.Errorf("node: arguments of category %q: %w",
				request.Category, err))}
		}
		txn = s.node.BeginCategory(ctx, timeout, request.Category, arguments...)
	}
	if txn.err != nil {
		return remote.Reply{Error: remote.EncodeError(txn.err)}
	}
	// A client quiet past the deadline (plus the coordinator's patience)
	// is gone: its transaction can no longer commit.
	expires := time.Now().Add(timeout + 4*s.node.config.RetryInterval + time.Second).UnixNano()
	s.mutex.Lock()
	s.next++
	handle := s.next
	s.txns[handle] = &servedTxn{txn: txn, expiresNanos: expires}
	s.mutex.Unlock()
	return remote.Reply{Txn: handle, ID: txn.ID().String()}
}

func (s *service) onTxn(ctx context.Context, request remote.Request) remote.Reply {
	s.mutex.Lock()
	served := s.txns[request.Txn]
	s.mutex.Unlock()
	if served == nil {
		return remote.Reply{Error: remote.EncodeError(fmt.Errorf("node: no transaction %d (ended, or expired)", request.Txn))}
	}
	served.mutex.Lock()
	defer served.mutex.Unlock()
	var reply remote.Reply
	switch request.Op {
	case remote.OpExecute:
		result, err := served.txn.Execute(ctx, request.Stream, request.Operation)
		reply = remote.Reply{Result: result, Error: remote.EncodeError(err)}
	case remote.OpCommit:
		err := served.txn.Commit(ctx)
		reply = remote.Reply{Error: remote.EncodeError(err)}
		if err == nil {
			reply.CommitTimestamp = served.txn.CommitTimestamp().String()
		}
	case remote.OpRollback:
		reply = remote.Reply{Error: remote.EncodeError(served.txn.Rollback(ctx))}
	}
	if served.txn.session == nil { // decided: the handle is done
		s.mutex.Lock()
		delete(s.txns, request.Txn)
		s.mutex.Unlock()
	}
	return reply
}

func (s *service) read(ctx context.Context, request remote.Request) remote.Reply {
	snapshot := s.node.BeginReadOnly(ctx)
	if request.Snapshot != "" {
		timestamp, err := clock.ParseTimestamp(request.Snapshot)
		if err != nil {
			return remote.Reply{Error: remote.EncodeError(fmt.Errorf("node: snapshot: %w", err))}
		}
		snapshot = s.node.BeginReadOnlyAt(ctx, timestamp)
	}
	result, err := snapshot.Execute(ctx, request.Stream, request.Operation)
	return remote.Reply{Result: result, Snapshot: snapshot.Snapshot().String(), Error: remote.EncodeError(err)}
}

// expireLoop rolls back transactions whose clients went quiet.
func (s *service) expireLoop() {
	defer s.node.loops.Done()
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
		case <-s.node.stop:
			s.expire(time.Now().Add(24 * time.Hour).UnixNano())
			return
		}
		s.expire(time.Now().UnixNano())
	}
}

func (s *service) expire(now int64) {
	var expired []*servedTxn
	s.mutex.Lock()
	for handle, served := range s.txns {
		// A call in progress keeps its transaction: the next round
		// expires it, once the call returned.
		if served.expiresNanos >= now || !served.mutex.TryLock() {
			continue
		}
		delete(s.txns, handle)
		expired = append(expired, served)
	}
	s.mutex.Unlock()
	for _, served := range expired {
		_ = served.txn.Rollback(context.Background())
		served.mutex.Unlock()
	}
}

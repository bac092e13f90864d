package sim

import (
	"container/heap"
	"testing"
	"time"
)

// heapEvents is the container/heap baseline for the event queue.
type heapEvents []event

func (h heapEvents) Len() int           { return len(h) }
func (h heapEvents) Less(i, j int) bool { return h[i].before(&h[j]) }
func (h heapEvents) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *heapEvents) Push(x any)        { *h = append(*h, x.(event)) }
func (h *heapEvents) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]
	return last
}

// BenchmarkEventQueue measures one timer event (push one, pop one) on a
// queue holding 1024 pending events: our 4-ary heap against container/heap.
func BenchmarkEventQueue(b *testing.B) {
	const pending = 1024
	b.Run("container-heap", func(b *testing.B) {
		h := &heapEvents{}
		for i := range pending {
			heap.Push(h, event{atNanos: int64(i * 7919 % pending), seq: uint64(i)})
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			top := heap.Pop(h).(event)
			heap.Push(h, event{atNanos: top.atNanos + int64(i%pending), seq: uint64(pending + i)})
		}
	})
	b.Run("proven-queue", func(b *testing.B) {
		q := &eventQueue{}
		for i := range pending {
			q.push(event{atNanos: int64(i * 7919 % pending), seq: uint64(i)})
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			top := q.pop()
			q.push(event{atNanos: top.atNanos + int64(i%pending), seq: uint64(pending + i)})
		}
	})
}

// tickNode re-arms a timer each time one fires: a world running nothing but
// timer events.
type tickNode struct{ fired int }

func (n *tickNode) Start(ctx *NodeContext) {
	for i := range 64 {
		ctx.SetTimer(time.Duration(i)*time.Microsecond, uint64(i))
	}
}
func (n *tickNode) Receive(*NodeContext, Addr, any) {}
func (n *tickNode) Timer(ctx *NodeContext, tag uint64) {
	n.fired++
	ctx.SetTimer(time.Duration(1+tag)*time.Microsecond, tag)
}

// BenchmarkWorldTimers measures timer events through the whole world loop:
// pop, fingerprint, dispatch to the node, re-arm.
func BenchmarkWorldTimers(b *testing.B) {
	w := NewWorld(Config{Seed: 1, Codec: testCodec(), EventsMax: 1 << 62, VirtualTimeMax: 1 << 62})
	node := &tickNode{}
	w.AddNode(NodeOptions{Factory: func() Node { return node }})
	w.RunFor(0)
	b.ReportAllocs()
	b.ResetTimer()
	for node.fired < b.N {
		w.config.EventsMax = w.events + uint64(b.N-node.fired)
		w.run(func() bool { return node.fired >= b.N })
		if w.failure != nil {
			w.failure = nil
		}
	}
}

// BenchmarkProcessSwitch measures one yield-and-resume round trip of a
// process (Sleep(0): park, the world pops the wake event, resumes).
func BenchmarkProcessSwitch(b *testing.B) {
	w := NewWorld(Config{Seed: 1, Codec: testCodec(), EventsMax: 1 << 62, VirtualTimeMax: 1 << 62})
	defer w.Close()
	node := w.AddNode(NodeOptions{})
	w.Spawn(node, "switcher", func(p *Process) {
		for range b.N {
			p.Sleep(0)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	w.Run()
}

// BenchmarkMessageDelivery measures one small message sent by a process,
// planned by the network, encoded, queued, decoded and delivered to a
// server, which counts it (no reply).
func BenchmarkMessageDelivery(b *testing.B) {
	for _, name := range []string{"json", "binary"} {
		b.Run(name, func(b *testing.B) {
			w := NewWorld(Config{Seed: 1, Codec: testCodec(), EventsMax: 1 << 62, VirtualTimeMax: 1 << 62})
			defer w.Close()
			sink := &sinkServer{}
			server := w.AddNode(NodeOptions{Factory: func() Node { return sink }})
			client := w.AddNode(NodeOptions{})
			w.Spawn(client, "sender", func(p *Process) {
				for i := range b.N {
					var message any = msgPing{Number: i}
					if name == "binary" {
						message = msgBinaryPing{Number: uint64(i)}
					}
					_ = p.Send(Addr{Node: server}, message)
					if i%64 == 63 {
						p.Sleep(time.Millisecond) // let the network drain
					}
				}
				p.Sleep(time.Second)
			})
			b.ReportAllocs()
			b.ResetTimer()
			w.Run()
			if sink.count != b.N {
				b.Fatalf("delivered %d of %d", sink.count, b.N)
			}
		})
	}
}

type sinkServer struct{ count int }

func (s *sinkServer) Start(*NodeContext)              {}
func (s *sinkServer) Receive(*NodeContext, Addr, any) { s.count++ }
func (s *sinkServer) Timer(*NodeContext, uint64)      {}

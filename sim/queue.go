package sim

// eventKind says what an event does when it fires.
type eventKind uint8

const (
	eventDeliver eventKind = iota + 1 // a message arrives at a node or process
	eventTimer                        // a node's timer fires
	eventWake                         // a process's sleep or receive deadline ends, or it starts
	eventCall                         // a scheduled function of the world (fault actions, scripts)
)

var eventKindNames = [...]string{
	eventDeliver: "deliver",
	eventTimer:   "timer",
	eventWake:    "wake",
	eventCall:    "call",
}

func (k eventKind) String() string { return eventKindNames[k] }

// event is one entry of the world's queue. It is a value type so that the
// queue is one slice and pushing an event allocates nothing.
type event struct {
	atNanos int64
	seq     uint64 // tie-break: events at one time fire in the order scheduled
	kind    eventKind
	node    NodeID
	// incarnation of the node when a timer or wake was scheduled; an event
	// of an earlier incarnation (the node crashed since) is dropped.
	incarnation uint32
	process     uint32
	token       uint64 // timer id, or a process's park token
	tag         uint64 // a timer's tag
	message     *envelope
	call        func()
}

// before orders events by (time, sequence number).
func (e *event) before(other *event) bool {
	if e.atNanos != other.atNanos {
		return e.atNanos < other.atNanos
	}
	return e.seq < other.seq
}

// eventQueue is a 4-ary min-heap of events ordered by (time, seq). A 4-ary
// heap halves the depth of a binary heap and keeps siblings in one cache
// line pair, which matters at millions of events per second.
type eventQueue struct {
	items []event
}

func (q *eventQueue) len() int { return len(q.items) }

func (q *eventQueue) push(e event) {
	q.items = append(q.items, e)
	q.up(len(q.items) - 1)
}

// pop removes and returns the earliest event.
// Requires: the queue is not empty.
func (q *eventQueue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = event{} // drop references for the garbage collector
	q.items = q.items[:last]
	if last > 0 {
		q.down(0)
	}
	return top
}

func (q *eventQueue) peek() *event { return &q.items[0] }

func (q *eventQueue) up(i int) {
	item := q.items[i]
	for i > 0 {
		parent := (i - 1) / 4
		if !item.before(&q.items[parent]) {
			break
		}
		q.items[i] = q.items[parent]
		i = parent
	}
	q.items[i] = item
}

func (q *eventQueue) down(i int) {
	n := len(q.items)
	item := q.items[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		smallest := first
		end := min(first+4, n)
		for c := first + 1; c < end; c++ {
			if q.items[c].before(&q.items[smallest]) {
				smallest = c
			}
		}
		if !q.items[smallest].before(&item) {
			break
		}
		q.items[i] = q.items[smallest]
		i = smallest
	}
	q.items[i] = item
}

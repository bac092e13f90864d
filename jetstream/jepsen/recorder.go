package jepsen

import (
	"strings"
	"sync"
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/view"
)

// recorder is one workload's history, recorded by many client goroutines:
// events stamped with the wall clock since the run began (one clock for
// every history and the fault timeline, so the view lines them up).
type recorder struct {
	start time.Time
	mutex sync.Mutex
	// events in the order recorded; Index is set as each is appended.
	events      []checkers.Event
	nextProcess int
}

func newRecorder(start time.Time) *recorder { return &recorder{start: start} }

// process hands out a fresh process id: a client after an info
// completion continues as a new process, as Jepsen's histories require.
func (r *recorder) process() int {
	r.mutex.Lock()
	defer r.mutex.Unlock()
	r.nextProcess++
	return r.nextProcess
}

func (r *recorder) record(event checkers.Event) {
	r.mutex.Lock()
	defer r.mutex.Unlock()
	event.Index = len(r.events)
	event.TimeNanos = time.Since(r.start).Nanoseconds()
	r.events = append(r.events, event)
}

// history returns a copy of the history recorded so far.
func (r *recorder) history() checkers.History {
	r.mutex.Lock()
	defer r.mutex.Unlock()
	return checkers.History{Events: append([]checkers.Event(nil), r.events...)}
}

// timeline is the run's faults, on the histories' clock.
type timeline struct {
	start  time.Time
	mutex  sync.Mutex
	faults []Fault
}

// Fault is one event of the nemesis: a server or node killed, restarted,
// paused or resumed, with the streams it led when it was a leader kill.
type Fault struct {
	AtNanos int64 // since the run began
	// UnixNanos is the wall-clock time, comparable with log timestamps.
	UnixNanos int64
	Target    string   // "nats-n2", "node-1"
	Action    string   // kill, restart, pause, resume
	Led       []string // the streams whose JetStream leader Target was (a leader kill)
	Note      string   // why: the phase it aimed at
}

func (t *timeline) add(fault Fault) {
	now := time.Now()
	fault.AtNanos, fault.UnixNanos = now.Sub(t.start).Nanoseconds(), now.UnixNano()
	t.mutex.Lock()
	defer t.mutex.Unlock()
	t.faults = append(t.faults, fault)
}

func (t *timeline) all() []Fault {
	t.mutex.Lock()
	defer t.mutex.Unlock()
	return append([]Fault(nil), t.faults...)
}

// viewFaults returns the timeline as the HTML view draws it.
func viewFaults(faults []Fault) []view.Fault {
	drawn := make([]view.Fault, len(faults))
	for i, f := range faults {
		text := f.Action
		if len(f.Led) > 0 {
			text += " (leader of " + strings.Join(f.Led, ",") + ")"
		}
		if f.Note != "" {
			text += ": " + f.Note
		}
		drawn[i] = view.Fault{AtNanos: f.AtNanos, Node: f.Target, Text: text}
	}
	return drawn
}

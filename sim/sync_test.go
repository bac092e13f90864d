package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestCondWakesWaitersInTheOrderTheyWaited: three processes wait, a
// fourth signals three times; each signal wakes the longest waiter, at
// the signal's virtual time.
func TestCondWakesWaitersInTheOrderTheyWaited(t *testing.T) {
	w := newTestWorld(1)
	defer w.Close()
	node := w.AddNode(NodeOptions{Name: "n"})
	cond := NewCond(w)
	var log []string
	for i, name := range []string{"a", "b", "c"} {
		w.Spawn(node, name, func(p *Process) {
			p.Sleep(time.Duration(i) * time.Millisecond) // a waits first, then b, then c
			woken := cond.Wait(p, -1)
			log = append(log, fmt.Sprintf("%s woken=%t at %v", name, woken, time.Duration(w.Now())))
		})
	}
	w.Spawn(node, "signaller", func(p *Process) {
		p.Sleep(10 * time.Millisecond)
		if cond.Waiting() != 3 {
			p.Fail("waiting %d, want 3", cond.Waiting())
		}
		for range 3 {
			if !cond.Signal() {
				p.Fail("a signal found no waiter")
			}
			p.Sleep(5 * time.Millisecond)
		}
		if cond.Signal() {
			p.Fail("a fourth signal found a waiter")
		}
	})
	if result := w.Run(); result.Verdict != VerdictOK {
		t.Fatalf("%s", result.Reason)
	}
	want := []string{"a woken=true at 10ms", "b woken=true at 15ms", "c woken=true at 20ms"}
	if !slices.Equal(log, want) {
		t.Fatalf("log %q, want %q", log, want)
	}
}

// A wait that times out returns false at its deadline and is not chosen
// by a later signal; Broadcast wakes every live waiter.
func TestCondTimeoutAndBroadcast(t *testing.T) {
	w := newTestWorld(2)
	defer w.Close()
	node := w.AddNode(NodeOptions{Name: "n"})
	cond := NewCond(w)
	var log []string
	note := func(name string, woken bool) {
		log = append(log, fmt.Sprintf("%s woken=%t at %v", name, woken, time.Duration(w.Now())))
	}
	w.Spawn(node, "impatient", func(p *Process) { note("impatient", cond.Wait(p, 3*time.Millisecond)) })
	w.Spawn(node, "patient1", func(p *Process) { p.Sleep(time.Millisecond); note("patient1", cond.Wait(p, -1)) })
	w.Spawn(node, "patient2", func(p *Process) { p.Sleep(2 * time.Millisecond); note("patient2", cond.Wait(p, time.Second)) })
	w.Spawn(node, "signaller", func(p *Process) {
		p.Sleep(5 * time.Millisecond)
		if woken := cond.Broadcast(); woken != 2 {
			p.Fail("broadcast woke %d, want 2 (the timed-out waiter is gone)", woken)
		}
	})
	if result := w.Run(); result.Verdict != VerdictOK {
		t.Fatalf("%s", result.Reason)
	}
	want := []string{"impatient woken=false at 3ms", "patient1 woken=true at 5ms", "patient2 woken=true at 5ms"}
	if !slices.Equal(log, want) {
		t.Fatalf("log %q, want %q", log, want)
	}
}

// A waiter killed by its node's crash is skipped: the signal goes to the
// next live waiter.
func TestCondSkipsAKilledWaiter(t *testing.T) {
	w := newTestWorld(3)
	defer w.Close()
	doomed := w.AddNode(NodeOptions{Name: "doomed", Crashable: true})
	safe := w.AddNode(NodeOptions{Name: "safe"})
	cond := NewCond(w)
	var log []string
	w.Spawn(doomed, "victim", func(p *Process) { cond.Wait(p, -1); log = append(log, "victim woke") })
	w.Spawn(safe, "survivor", func(p *Process) {
		p.Sleep(time.Millisecond)
		log = append(log, fmt.Sprintf("survivor woken=%t", cond.Wait(p, -1)))
	})
	w.Spawn(safe, "signaller", func(p *Process) {
		p.Sleep(2 * time.Millisecond)
		w.Crash(doomed)
		if cond.Waiting() != 1 || !cond.Signal() {
			p.Fail("the survivor was not the one waiter left")
		}
	})
	if result := w.Run(); result.Verdict != VerdictOK {
		t.Fatalf("%s", result.Reason)
	}
	if !slices.Equal(log, []string{"survivor woken=true"}) {
		t.Fatalf("log %q", log)
	}
}

// A scripted pipeline: a producer fills a channel of capacity 2 faster
// than the consumer drains it, so it waits when the channel is full;
// values arrive in order, and Close ends the consumer.
func TestChanPipeline(t *testing.T) {
	w := newTestWorld(4)
	defer w.Close()
	node := w.AddNode(NodeOptions{Name: "n"})
	channel := NewChan[int](w, 2)
	var sentAt []time.Duration
	var received []int
	w.Spawn(node, "producer", func(p *Process) {
		for i := range 5 {
			channel.Send(p, i)
			sentAt = append(sentAt, time.Duration(w.Now()))
		}
		channel.Close()
	})
	w.Spawn(node, "consumer", func(p *Process) {
		for {
			p.Sleep(10 * time.Millisecond)
			v, ok := channel.Receive(p, -1)
			if !ok {
				return
			}
			received = append(received, v)
		}
	})
	if result := w.Run(); result.Verdict != VerdictOK {
		t.Fatalf("%s", result.Reason)
	}
	if !slices.Equal(received, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("received %v", received)
	}
	// Two fit at once; each later send waits for a receive.
	want := []time.Duration{0, 0, 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}
	if !slices.Equal(sentAt, want) {
		t.Fatalf("sent at %v, want %v", sentAt, want)
	}
	if channel.TrySend(9) {
		t.Fatal("TrySend on a closed channel succeeded")
	}
}

func TestChanReceiveTimesOut(t *testing.T) {
	w := newTestWorld(5)
	defer w.Close()
	node := w.AddNode(NodeOptions{Name: "n"})
	channel := NewChan[string](w, 1)
	var log []string
	w.Spawn(node, "receiver", func(p *Process) {
		_, ok := channel.Receive(p, 20*time.Millisecond)
		log = append(log, fmt.Sprintf("first ok=%t at %v", ok, time.Duration(w.Now())))
		v, ok := channel.Receive(p, 20*time.Millisecond)
		log = append(log, fmt.Sprintf("second %q ok=%t at %v", v, ok, time.Duration(w.Now())))
	})
	w.After(30*time.Millisecond, func() {
		if !channel.TrySend("late") {
			w.Fail("TrySend from a scheduled function failed")
		}
	})
	if result := w.Run(); result.Verdict != VerdictOK {
		t.Fatalf("%s", result.Reason)
	}
	want := []string{"first ok=false at 20ms", `second "late" ok=true at 30ms`}
	if !slices.Equal(log, want) {
		t.Fatalf("log %q, want %q", log, want)
	}
}

func TestWaitOutsideTheRunningProcessPanics(t *testing.T) {
	w := newTestWorld(6)
	defer w.Close()
	node := w.AddNode(NodeOptions{Name: "n"})
	p := w.Spawn(node, "idle", func(p *Process) {})
	defer func() {
		if recovered := recover(); recovered == nil || !strings.Contains(fmt.Sprint(recovered), "not the running process") {
			t.Fatalf("recovered %v", recovered)
		}
	}()
	NewCond(w).Wait(p, -1)
}

// condAction is one step of a process in the property below.
type condAction struct {
	kind    string // "wait", "signal", "broadcast" or "sleep"
	timeout time.Duration
}

// TestCondMatchesAFIFOModel: processes run random scripts of waits (with
// or without a timeout), signals, broadcasts and sleeps. A model keeps the
// waiters in the order they began to wait; every signal must wake the
// model's first waiter, a broadcast all of them, and a wait must return
// true exactly when it was chosen (else at its deadline). Two runs of one
// script have one fingerprint.
func TestCondMatchesAFIFOModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		action := rapid.Custom(func(t *rapid.T) condAction {
			kind := rapid.SampledFrom([]string{"wait", "wait", "signal", "broadcast", "sleep"}).Draw(t, "kind")
			timeout := time.Duration(-1)
			if rapid.Bool().Draw(t, "timed") {
				timeout = time.Duration(rapid.IntRange(0, 5).Draw(t, "timeout")) * time.Millisecond
			}
			return condAction{kind: kind, timeout: timeout}
		})
		scripts := rapid.SliceOfN(rapid.SliceOfN(action, 1, 8), 1, 5).Draw(t, "scripts")
		first, problem := runCondScript(scripts)
		if problem != "" {
			t.Fatal(problem)
		}
		if second, _ := runCondScript(scripts); second != first {
			t.Fatalf("two runs differ: %x and %x", first, second)
		}
	})
}

// runCondScript runs the scripts against a Cond and a model of it; it
// returns the fingerprint and the first disagreement ("" when none).
func runCondScript(scripts [][]condAction) (uint64, string) {
	w := newTestWorld(7)
	defer w.Close()
	node := w.AddNode(NodeOptions{Name: "n"})
	cond := NewCond(w)
	var model []int          // waiting process indexes, longest first
	chosen := map[int]bool{} // processes a signal chose, not yet returned
	problem := ""
	fail := func(format string, args ...any) {
		if problem == "" {
			problem = fmt.Sprintf(format, args...)
		}
	}
	for index, script := range scripts {
		w.Spawn(node, fmt.Sprintf("p%d", index), func(p *Process) {
			for _, step := range script {
				switch step.kind {
				case "wait":
					model = append(model, index)
					start := w.Now()
					woken := cond.Wait(p, step.timeout)
					model = slices.DeleteFunc(model, func(waiter int) bool { return waiter == index })
					if woken != chosen[index] {
						fail("p%d: Wait returned %t, the model chose it: %t", index, woken, chosen[index])
					}
					if !woken && w.Now() != start+int64(step.timeout) {
						fail("p%d: timed out at %d, want %d", index, w.Now(), start+int64(step.timeout))
					}
					delete(chosen, index)
				case "signal":
					if cond.Signal() != (len(model) > 0) {
						fail("p%d: Signal with %d model waiters", index, len(model))
					}
					if len(model) > 0 {
						chosen[model[0]] = true
						model = model[1:]
					}
				case "broadcast":
					if woken := cond.Broadcast(); woken != len(model) {
						fail("p%d: Broadcast woke %d, model waiters %d", index, woken, len(model))
					}
					for _, waiter := range model {
						chosen[waiter] = true
					}
					model = nil
				case "sleep":
					p.Sleep(time.Millisecond)
				}
			}
		})
	}
	// Whoever still waits without a timeout at the end is released, so the
	// run ends.
	w.After(time.Second, func() {
		for _, waiter := range model {
			chosen[waiter] = true
		}
		model = nil
		cond.Broadcast()
	})
	result := w.Run()
	if result.Verdict != VerdictOK {
		fail("run: %s", result.Reason)
	}
	return result.Fingerprint, problem
}

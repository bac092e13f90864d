package main

import (
	"encoding/json"
	"fmt"
	"time"
)

// progressLineEvery is how often progress is printed when stderr is not a
// terminal (a log keeps every line, so one every few seconds is plenty).
const progressLineEvery = 10 * time.Second

// progress reports how far a campaign is, on stderr: on a terminal one
// line redrawn in place (cleared before anything else is printed), else a
// line of its own every progressLineEvery (a JSON object with --json). A
// nil *progress reports nothing.
type progress struct {
	env      environment
	total    int
	json     bool
	started  time.Time
	lastLine time.Time
	// shown reports that the terminal line holds the progress now.
	shown bool
}

func newProgress(env environment, total int, asJSON bool) *progress {
	now := env.now()
	return &progress{env: env, total: total, json: asJSON, started: now, lastLine: now}
}

// progressLine is a progress report as a JSON object.
type progressLine struct {
	Kind           string  `json:"kind"`
	Done           int     `json:"done"`
	Total          int     `json:"total"`
	Failed         int     `json:"failed"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	ETASeconds     float64 `json:"eta_seconds"`
}

// update reports that done runs have finished, failed of them failing.
func (p *progress) update(done, failed int) {
	if p == nil || done >= p.total {
		return
	}
	now := p.env.now()
	elapsed := now.Sub(p.started)
	remaining := time.Duration(float64(elapsed) / float64(done) * float64(p.total-done))
	switch {
	case p.env.terminal:
		p.clear() // the line now starts where the cursor is
		fmt.Fprintf(p.env.stderr, "%d/%d runs, %d failed, %s elapsed, ETA %s",
			done, p.total, failed, roundDuration(elapsed), roundDuration(remaining))
		p.shown = true
	case now.Sub(p.lastLine) < progressLineEvery:
	case p.json:
		p.lastLine = now
		_ = json.NewEncoder(p.env.stderr).Encode(progressLine{Kind: "progress", Done: done, Total: p.total,
			Failed: failed, ElapsedSeconds: elapsed.Seconds(), ETASeconds: remaining.Seconds()})
	default:
		p.lastLine = now
		fmt.Fprintf(p.env.stderr, "progress: %d/%d runs, %d failed, %s elapsed, ETA %s\n",
			done, p.total, failed, roundDuration(elapsed), roundDuration(remaining))
	}
}

// clear erases the terminal's progress line, so the next output starts
// on a clean line.
func (p *progress) clear() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.env.stderr, "\r\x1b[K")
	p.shown = false
}

// roundDuration shows a duration to a tenth of a second.
func roundDuration(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

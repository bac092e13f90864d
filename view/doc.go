// Package view draws runs as HTML pages: a run's history (WriteHistory)
// and a campaign of runs over seeds (WriteCampaign), for people to look
// at in a browser.
//
// What it models: a page is one self-contained file. Its style, its
// pictures (inline SVG) and, in a history page, porcupine's script and
// data are inline, and it loads nothing: no stylesheet, script, image or
// font from anywhere, so a page opens offline, attached to an issue or
// from CI artifacts. Links between pages (a campaign's failed seed to its
// history page) are relative.
//
// A history page puts the verdicts (each check's verdict, anomalies and
// explanation) and the faults (a lane per kind over virtual time) at the
// top, then draws the history by what it holds (KindOf):
//   - registers and queues: porcupine's linearizability drawing per key,
//     against the real model (checkers.VisualizeLinearizable), each in an
//     iframe of its own: the longest linearizable prefix, and in a key
//     that is not linearizable the operation at which no linearization
//     continues;
//   - list-append transactions: each dependency cycle the checks found
//     (checkers.Result.Cycles) as a diagram of its transactions and the
//     edges between them (ww, wr, rw, rt with their keys), with a table of
//     the transactions' micro-ops, then every transaction on a timeline;
//   - anything else: the operations on a timeline, a row per process.
//
// The operations a check names are marked on the timelines. A campaign
// page shows the totals, the failed seeds (each linked to its history
// page), the runs over seeds (committed, aborted and indeterminate
// transactions, and the verdict), the fault-family mix, and the coverage
// matrix (phase x fault family counts) when the campaign's producer
// fills one in.
//
// Contract: every text that comes from a run is HTML-escaped. A Coverage
// whose counts do not match its phases and families is an error.
//
// What it does not do: it judges nothing (the verdicts come from the
// checks), and it draws at most 5000 operations on a timeline.
//
// How it is tested: pages of real runs (every kind, failing and passing)
// are parsed for what they must show and for any reference that would
// fetch something (view_test.go, and cmd/proven's tests of proven
// history and proven sim --report).
package view

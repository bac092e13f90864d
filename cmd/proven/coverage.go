package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/proven2pc/proven/cluster"
)

// coverageMatrix is a campaign's fault coverage: for each fault (a fault
// family, a code fault site, or the topology of spread logs) and each
// phase of two-phase commit, the number of runs in which that fault hit
// a transaction in that phase (cluster/coverage.go defines a hit). It is
// the data a campaign report renders: --coverage prints it after the
// summary line, as a table or, with --json, as one JSON object.
type coverageMatrix struct {
	Runs   int      `json:"runs"`
	Phases []string `json:"phases"`
	Faults []string `json:"faults"`
	// Counts[fault][phase] is the number of runs with a hit.
	Counts [][]int `json:"counts"`
}

func newCoverageMatrix() *coverageMatrix {
	m := &coverageMatrix{Phases: cluster.CoveragePhases(), Faults: cluster.CoverageColumns()}
	m.Counts = make([][]int, len(m.Faults))
	for i := range m.Counts {
		m.Counts[i] = make([]int, len(m.Phases))
	}
	return m
}

// add counts one run's coverage.
func (m *coverageMatrix) add(coverage cluster.Coverage) {
	m.Runs++
	for fault := range m.Faults {
		for phase := range m.Phases {
			if coverage.Hit(cluster.Phase(phase), fault) {
				m.Counts[fault][phase]++
			}
		}
	}
}

// emptyCells names the cells no run hit ("fault/phase").
func (m *coverageMatrix) emptyCells() []string {
	var empty []string
	for fault, counts := range m.Counts {
		for phase, count := range counts {
			if count == 0 {
				empty = append(empty, m.Faults[fault]+"/"+m.Phases[phase])
			}
		}
	}
	return empty
}

// write prints the matrix: a header of phases, a row per fault, then
// which cells are empty.
func (m *coverageMatrix) write(w io.Writer, asJSON bool) {
	if asJSON {
		_ = json.NewEncoder(w).Encode(map[string]*coverageMatrix{"coverage": m})
		return
	}
	fmt.Fprintf(w, "coverage: runs (of %d) in which a fault hit a transaction in a phase\n", m.Runs)
	width := 0
	for _, fault := range m.Faults {
		width = max(width, len(fault))
	}
	fmt.Fprintf(w, "%-*s", width, "")
	for _, phase := range m.Phases {
		fmt.Fprintf(w, " %*s", max(len(phase), 5), phase)
	}
	fmt.Fprintln(w)
	for fault, counts := range m.Counts {
		fmt.Fprintf(w, "%-*s", width, m.Faults[fault])
		for phase, count := range counts {
			fmt.Fprintf(w, " %*d", max(len(m.Phases[phase]), 5), count)
		}
		fmt.Fprintln(w)
	}
	if empty := m.emptyCells(); len(empty) > 0 {
		fmt.Fprintf(w, "coverage: %d empty cells: %s\n", len(empty), strings.Join(empty, ", "))
	} else {
		fmt.Fprintln(w, "coverage: every cell hit")
	}
}

package checkers

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/anishathalye/porcupine"
	"github.com/proven2pc/proven/engines/value"
)

// KeyVisualization is porcupine's drawing of one key's operations checked
// against the model: each operation a bar on its process's row, the
// linearization points of the longest linearizable prefix, and, when the
// key is not linearizable, the operation at which no linearization
// continues (porcupine's "jump to first error").
type KeyVisualization struct {
	Key     string
	Verdict Verdict
	// Operations counts the operations drawn: failed operations and reads
	// whose result is unknown constrain nothing, and are not drawn.
	Operations int
	// Rows counts the rows drawn: one per process, plus one for markers.
	Rows int
	// HTML is porcupine's page: self-contained, its script and data
	// inline.
	HTML []byte
}

// Marker is a moment of the run (a fault) drawn on a row of its own in
// every key's drawing whose operations span it.
type Marker struct {
	TimeNanos int64
	// Row names the row ("faults").
	Row           string
	Text, Details string
}

// VisualizeLinearizable checks each key as CheckLinearizable does, with
// the same model, configuration and step budget, and returns porcupine's
// drawing of each, in sorted key order. Times on the drawing are history
// positions, as the check uses them; a marker sits just before the first
// event at or after its time. The verdict of a key is its own (the check
// stops at the first illegal key; this draws them all). A malformed
// history is an error.
func VisualizeLinearizable(history History, config LinearizableConfig, markers []Marker) ([]KeyVisualization, error) {
	if config.StepBudget == 0 {
		config.StepBudget = StepBudgetDefault
	}
	if err := history.Validate(); err != nil {
		return nil, err
	}
	partitions, err := partitionByKey(history, config)
	if err != nil {
		return nil, err
	}
	var drawings []KeyVisualization
	for _, key := range sortedKeys(partitions) {
		drawing, err := visualizeKey(history, key, partitions[key], config, markers)
		if err != nil {
			return nil, err
		}
		drawings = append(drawings, drawing)
	}
	return drawings, nil
}

// visualizeKey checks and draws one key. Positions are doubled so that a
// marker fits between two events.
func visualizeKey(history History, key string, operations []keyedOperation, config LinearizableConfig,
	markers []Marker) (KeyVisualization, error) {
	processes := map[int]int{} // process -> row
	for _, keyed := range operations {
		processes[keyed.operation.Process] = 0
	}
	rows := slices.Sorted(maps.Keys(processes))
	for row, process := range rows {
		processes[process] = row
	}
	var drawn []porcupine.Operation
	first, last := int64(math.MaxInt64), int64(0)
	for _, keyed := range operations {
		drawn = append(drawn, porcupine.Operation{ClientId: processes[keyed.operation.Process],
			Input: keyed.input, Output: keyed.output, Call: 2 * keyed.callPosition, Return: 2 * keyed.completePosition,
			Metadata: keyed.operation.Describe()})
		first, last = min(first, 2*keyed.callPosition), max(last, 2*keyed.completePosition)
	}
	budget := &stepBudget{remaining: config.StepBudget}
	result, info := porcupine.CheckOperationsVerbose(porcupineModel(config.Model, config.Initial, budget), drawn, 0)
	drawing := KeyVisualization{Key: key, Operations: len(drawn), Rows: len(rows), Verdict: VerdictOK}
	switch {
	case budget.exhausted:
		drawing.Verdict = VerdictUnknown
	case result != porcupine.Ok:
		drawing.Verdict = VerdictIllegal
	}
	annotations := markerAnnotations(history, markers, first, last)
	if len(annotations) > 0 {
		drawing.Rows++
	}
	info.AddAnnotations(annotations)
	// The drawing replays the prefixes found, so its model has no budget.
	model := porcupineModel(config.Model, config.Initial, &stepBudget{remaining: math.MaxInt})
	model.DescribeState = func(state any) string { return describeState(config.Model, state) }
	model.DescribeOperationMetadata = func(metadata any) string { return fmt.Sprint(metadata) }
	var page bytes.Buffer
	if err := porcupine.Visualize(model, info, &page); err != nil {
		return KeyVisualization{}, fmt.Errorf("checkers: drawing key %q: %w", key, err)
	}
	drawing.HTML = page.Bytes()
	return drawing, nil
}

// markerAnnotations places the markers that fall between first and last
// (doubled positions) just before the first event at or after their time.
func markerAnnotations(history History, markers []Marker, first, last int64) []porcupine.Annotation {
	var annotations []porcupine.Annotation
	for _, marker := range markers {
		position := int64(sort.Search(len(history.Events), func(i int) bool {
			return history.Events[i].TimeNanos >= marker.TimeNanos
		}))
		at := 2*position - 1
		if at < first || at > last {
			continue
		}
		annotations = append(annotations, porcupine.Annotation{Tag: marker.Row, Start: at, Description: marker.Text,
			Details: marker.Details, BackgroundColor: "#f9d6d5"})
	}
	return annotations
}

// describeState shows a model's state: a register's value, a queue's
// elements, an account's balance.
func describeState(model Model, state any) string {
	switch model {
	case ModelQueue:
		return value.List(state.([]value.Value)...).String()
	case ModelAccount:
		return fmt.Sprint(state.(int64))
	}
	return state.(value.Value).String()
}

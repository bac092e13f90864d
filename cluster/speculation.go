package cluster

import (
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/sim"
)

// SpeculationMode says whether the coordinators Spawn creates speculate
// (coordinator.Predictor): transactions begun with a category learn, and
// once confident send their predicted operations at begin.
type SpeculationMode uint8

const (
	// SpeculationOff: no predictor; a category is only a label.
	SpeculationOff SpeculationMode = iota
	// SpeculationOn: a predictor per client node, with Config.Prediction.
	SpeculationOn
	// SpeculationSwarm: the seed's "speculation" stream draws whether it
	// is on for the run, with which thresholds (from strict to so lax
	// that most predictions fail, to exercise mispredictions), and
	// whether whole predictions prepare ahead. The draw
	// uses only that stream, so no other draw of the run shifts.
	SpeculationSwarm
)

// speculationFor returns the predictor configuration the run uses, and
// whether speculation is on.
func speculationFor(config Config, world *sim.World) (coordinator.PredictorConfig, bool) {
	switch config.Speculation {
	case SpeculationOn:
		return config.Prediction, true
	case SpeculationSwarm:
		random := world.Rand("speculation")
		if random.IntN(2) == 0 {
			return coordinator.PredictorConfig{}, false
		}
		seen := []int{1, 2, 4, 8}
		rates := []float64{0.2, 0.5, 0.8, 0.95}
		windows := []int{8, 64}
		config := coordinator.PredictorConfig{
			ReadWrite: coordinator.Confidence{SeenMin: seen[random.IntN(len(seen))], RateMin: rates[random.IntN(len(rates))]},
			ReadOnly:  coordinator.Confidence{SeenMin: seen[random.IntN(len(seen))], RateMin: rates[random.IntN(len(rates))]},
			Window:    windows[random.IntN(len(windows))],
		}
		config.PrepareAhead = random.IntN(2) == 0 // drawn last: the earlier draws are as before it existed
		return config, true
	}
	return coordinator.PredictorConfig{}, false
}

// Speculating reports whether the run's coordinators speculate, and with
// which thresholds.
func (c *Cluster) Speculating() (coordinator.PredictorConfig, bool) {
	return c.prediction, c.predictors != nil
}

// SpeculationStats sums the predictors' counts over the client nodes.
func (c *Cluster) SpeculationStats() coordinator.PredictorStats {
	var total coordinator.PredictorStats
	for _, predictor := range c.predictors {
		stats := predictor.Stats()
		addSpeculation(&total.ReadWrite, stats.ReadWrite)
		addSpeculation(&total.ReadOnly, stats.ReadOnly)
	}
	return total
}

func addSpeculation(total *coordinator.SpeculationStats, more coordinator.SpeculationStats) {
	total.Began += more.Began
	total.Speculated += more.Speculated
	total.Mispredicted += more.Mispredicted
	total.PredictedOperations += more.PredictedOperations
	total.UsedOperations += more.UsedOperations
	total.PreparedAhead += more.PreparedAhead
}

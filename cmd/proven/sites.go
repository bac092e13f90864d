package main

import "github.com/proven2pc/proven/sim"

// sitesField is a run line's sites field: the code fault sites the plan
// turned on ("" when none, and the field is left out).
func sitesField(plan sim.FaultPlan) string {
	if plan.Sites == 0 {
		return ""
	}
	return plan.Sites.String()
}

// topologyField is a run line's topology field: how the logs are spread
// ("" for one log node, and the field is left out).
func topologyField(plan sim.FaultPlan) string {
	if !plan.Topology.Spread() {
		return ""
	}
	return plan.Topology.String()
}

// planFields renders the sites and topology fields of a run line, each
// only when set.
func planFields(sites, topology string) string {
	text := ""
	if sites != "" {
		text += " sites=" + sites
	}
	if topology != "" {
		text += " topology=" + topology
	}
	return text
}

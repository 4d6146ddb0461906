// Tests for SMPPlanning arrive with the module.

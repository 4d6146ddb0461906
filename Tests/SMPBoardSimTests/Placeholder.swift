// Tests for SMPBoardSim arrive with the module.

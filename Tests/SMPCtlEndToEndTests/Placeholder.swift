// Tests for SMPCtlEndToEnd arrive with the module.

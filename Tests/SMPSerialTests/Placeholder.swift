// Tests for SMPSerial arrive with the module.

// SMPWire: see Docs/Protocol.md.

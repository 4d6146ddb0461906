import Foundation

// The reference hardware's definition files, compiled in. Edit the files under Hardware/ and paste them here
// (the tests `compiled-in definitions equal the files` fail until both say the same).

extension BoardDefinition {
    /// The reference board smp-driver-r1.
    ///
    /// The text of `Hardware/smp-driver-r1/board.json`, byte for byte (a test compares them): one copy of the
    /// figures, which programs that run without a Hardware/ directory (planning's default board) read from here.
    public static let r1Text = #"""
        {
          "format": "smpctl-board/1",
          "model": "smp-driver-r1",
          "description": "Reference SMP driver board: X/Y gantry, Z (needle hang) axis, rotary handpiece motor, USB CDC-ACM.",
          "provenance": "Engineering estimates [E] from ../shared/DOMAIN.md (reference board smp-driver-r1); USB ids from the pid.codes open-hardware vendor 0x1209, product id provisional until allocated.",
          "usb": { "vendor_id": 4617, "product_id": 21840, "vendor_id_hex": "0x1209", "product_id_hex": "0x5550" },
          "serial": { "baud": 921600 },
          "clock_hz": 1000000,
          "axes": {
            "x": { "travel_mm": 200.0, "max_speed_mm_s": 100.0, "max_accel_mm_s2": 3000.0, "resolution_um": 5 },
            "y": { "travel_mm": 200.0, "max_speed_mm_s": 100.0, "max_accel_mm_s2": 3000.0, "resolution_um": 5 },
            "z": { "travel_mm": 10.0, "max_speed_mm_s": 50.0, "max_accel_mm_s2": 5000.0, "resolution_um": 1 }
          },
          "hang_ceiling_mm": 2.0,
          "retract_clearance_mm": 2.0,
          "motor": { "min_hz": 50.0, "max_hz": 150.0 },
          "max_strokes_per_dot": 12,
          "queue_capacity": 128,
          "watchdog_ms": 100,
          "min_lead_time_ms": 5,
          "min_clearance_um": 150,
          "full_depth_tolerance_um": 10,
          "surface_max_nodes": 1024,
          "probe": {
            "approach_speed_mm_s": 10.0,
            "speed_mm_s": 2.0,
            "threshold_mn": 8,
            "force_limit_mn": 30,
            "max_travel_mm": 6.0,
            "provenance": "[E] approach speed: a contact met at 10 mm/s stops (5000 mm/s^2) within 10 um, under 30 mN for tent stiffness up to 1.4 N/mm; force limit 30 mN is below the least puncture force of any catalogue cartridge on any simulated skin (Docs/Simulator.md); threshold 8 mN, slow speed 2 mm/s (0.4 um overshoot)"
          }
        }

        """#

    /// The reference board smp-driver-r1, read from ``r1Text`` with the same reader as any board file.
    public static let r1: BoardDefinition = {
        do {
            return try decode(Data(r1Text.utf8), source: "BoardDefinition.r1Text")
        } catch {
            preconditionFailure("the compiled-in smp-driver-r1 definition is invalid: \(error)")
        }
    }()
}

extension HandpieceDefinition {
    /// The reference handpiece rotary-r1.
    ///
    /// The text of `Hardware/handpieces/rotary-r1.json`, byte for byte (a test compares them), for programs and
    /// tests that run without a Hardware/ directory.
    public static let rotaryR1Text = #"""
        {
          "format": "smpctl-handpiece/1",
          "model": "rotary-r1",
          "description": "Reference rotary SMP handpiece with a 3RL 0.25 mm (0803RL) membrane cartridge, as the simulator models it.",
          "stroke_length_mm": {
            "value": 3.5,
            "provenance": "[S] rotary SMP machines stroke 2.5-4.0 mm (DOMAIN.md, The machine); 3.5 mm picked mid-range [E]"
          },
          "crank_rod_ratio": {
            "value": 0.2,
            "provenance": "[E] cam/slider geometry; crank radius over link length, 0 would be a pure sinusoid; 'near-sinusoidal' [S]"
          },
          "motor_time_constant_ms": {
            "value": 45.0,
            "provenance": "[E] DOMAIN.md: motor speed follows voltage with a lag, time constant 30-60 ms"
          },
          "membrane_loss_mm": {
            "value": 0.3,
            "provenance": "[S] supplier note: the cartridge membrane shortens the hang by ~0.2-0.5 mm (DOMAIN.md)"
          },
          "needle": {
            "group": "3RL",
            "count": 3,
            "diameter_mm": 0.25,
            "provenance": "[S] 0803RL (0.25 mm, 3-needle round liner) is among the most used SMP cartridges (DOMAIN.md)"
          }
        }

        """#

    /// The reference handpiece rotary-r1, read from ``rotaryR1Text`` with the same reader as any handpiece file.
    public static let rotaryR1: HandpieceDefinition = {
        do {
            return try decode(Data(rotaryR1Text.utf8), source: "HandpieceDefinition.rotaryR1Text")
        } catch {
            preconditionFailure("the compiled-in rotary-r1 definition is invalid: \(error)")
        }
    }()
}

extension CartridgeCatalogue {
    /// The reference cartridge catalogue.
    ///
    /// The text of `Hardware/cartridges.json`, byte for byte (a test compares them), for programs and tests that run
    /// without a Hardware/ directory: the simulated board knows these cartridges, as the real board's firmware does.
    public static let referenceText = #"""
        {
          "format": "smpctl-cartridges/1",
          "reference": "3RL 0.25",
          "provenance": "Groupings and diameters [S] DOMAIN.md: needles 0.18-0.30 mm, 0603 (3RL 0.20) and 0803 (3RL 0.25) most used, 1RL at the hairline, 3RL for density. Membrane loss range [S] supplier note: the membrane shortens the hang by ~0.2-0.5 mm. Nominal losses and needle-length offsets are engineering estimates [E] until measured: the board measures the real offset at the first touch-off after a cartridge change.",
          "cartridges": [
            {
              "name": "1RL 0.18",
              "group": "1RL",
              "needle_count": 1,
              "diameter_mm": 0.18,
              "membrane_loss_mm": { "min": 0.2, "max": 0.5, "nominal": 0.25 },
              "needle_length_offset_mm": -0.1,
              "provenance": "[S] 1RL 0.18-0.20 for thin skin at the hairline and temples (DOMAIN.md skin table); loss nominal and length offset [E]: a single fine needle drags less on the membrane"
            },
            {
              "name": "1RL 0.20",
              "group": "1RL",
              "needle_count": 1,
              "diameter_mm": 0.2,
              "membrane_loss_mm": { "min": 0.2, "max": 0.5, "nominal": 0.25 },
              "needle_length_offset_mm": -0.08,
              "provenance": "[S] 1RL 0.20 for scar tissue and thick or oily skin (DOMAIN.md skin table); loss nominal and length offset [E]"
            },
            {
              "name": "3RL 0.20",
              "group": "3RL",
              "needle_count": 3,
              "diameter_mm": 0.2,
              "membrane_loss_mm": { "min": 0.2, "max": 0.5, "nominal": 0.3 },
              "needle_length_offset_mm": -0.04,
              "provenance": "[S] 0603RL, among the most used SMP cartridges (DOMAIN.md); loss nominal and length offset [E]"
            },
            {
              "name": "3RL 0.25",
              "group": "3RL",
              "needle_count": 3,
              "diameter_mm": 0.25,
              "membrane_loss_mm": { "min": 0.2, "max": 0.5, "nominal": 0.3 },
              "needle_length_offset_mm": 0.0,
              "provenance": "[S] 0803RL, among the most used SMP cartridges (DOMAIN.md); the reference cartridge (offset 0 by definition) and the one rotary-r1 is fitted with; loss nominal [E]"
            },
            {
              "name": "5RL 0.25",
              "group": "5RL",
              "needle_count": 5,
              "diameter_mm": 0.25,
              "membrane_loss_mm": { "min": 0.2, "max": 0.5, "nominal": 0.35 },
              "needle_length_offset_mm": 0.03,
              "provenance": "[E] a larger grouping for Fitzpatrick IV-VI and larger dots (DOMAIN.md: 3RL 0.25-0.30, larger dots); loss nominal and length offset [E]: more needles, more membrane drag"
            },
            {
              "name": "5RL 0.30",
              "group": "5RL",
              "needle_count": 5,
              "diameter_mm": 0.3,
              "membrane_loss_mm": { "min": 0.2, "max": 0.5, "nominal": 0.35 },
              "needle_length_offset_mm": 0.06,
              "provenance": "[S] 0.30 mm is the thickest needle DOMAIN.md lists (Fitzpatrick IV-VI); the 5RL grouping, loss nominal and length offset [E]"
            }
          ]
        }

        """#

    /// The reference catalogue, read from ``referenceText`` with the same reader as any catalogue file.
    public static let reference: CartridgeCatalogue = {
        do {
            return try decode(Data(referenceText.utf8), source: "CartridgeCatalogue.referenceText")
        } catch {
            preconditionFailure("the compiled-in cartridge catalogue is invalid: \(error)")
        }
    }()
}

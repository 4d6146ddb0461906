import SMPChecksum

/// The identity of protocol v2's message layouts. Its hash travels in the hellos and seeds every non-handshake
/// frame check, so that two builds that disagree about any layout refuse each other at connect, by name.
///
/// The text below is the schema: change a message's fields and you must change this text (the protocol vectors in
/// Hardware/smp-driver-r1/protocol-vectors.json pin both the bytes and the hash, so a test tells you).
public enum WireSchema {
    public static let protocolVersion: UInt16 = 2

    public static let canonicalText = """
        smp-wire/2
        frame=control:u8,ack:u8,credit?:varint,seq?:u8,type?:u8,payload,crc32c:u32le
        0x01 host_hello=protocol_version:u16le,schema_hash:u32le,session_id:u32le,host_software:str
        0x02 board_hello=protocol_version:u16le,schema_hash:u32le,session_id:u32le,board_model:str,firmware_version:str,\
        serial_number:str,clock_hz:varint,queue_capacity:varint,travel_x_um:varint,travel_y_um:varint,\
        travel_z_um:varint,position_resolution_um:varint,max_speed_xy_um_s:varint,max_accel_xy_um_s2:varint,\
        max_speed_z_um_s:varint,max_accel_z_um_s2:varint,hang_ceiling_um:varint,retract_clearance_um:varint,\
        motor_min_centihertz:varint,motor_max_centihertz:varint,max_strokes_per_dot:u8,watchdog_ms:varint,\
        min_lead_us:varint,z_resolution_um:varint,min_clearance_um:varint,full_depth_tolerance_um:varint,\
        probe_approach_speed_um_s:varint,probe_speed_um_s:varint,probe_threshold_mN:varint,\
        probe_force_limit_mN:varint,probe_max_travel_um:varint,surface_max_nodes:varint,board_time:varint,\
        last_completed_dot:varint,pending_completions:varint,handpiece_model:str,cartridge:str,surface_mode:u8
        0x10 dot_train=strokes_per_dot:u8,stroke_rate_centihertz:varint,lift_um:varint,flags:u8,dot_count:u8,\
        first_id:varint,first_start_time:varint,first_x_um:svarint,first_y_um:svarint,first_hang_um:svarint,\
        [position_quantum:varint,time_quantum:varint,hang_quantum:varint,time_base:varint,widths:u8x7,\
        records:bits(x_wide?:1,y_wide?:1,id_gap,dx,dy,dt,d_hang)]
        0x11 move_to=start_time:varint,x_um:svarint,y_um:svarint
        0x12 set_stroke_rate=start_time:varint,stroke_rate_centihertz:varint
        0x13 touch_off=start_time:varint,x_um:svarint,y_um:svarint,approach_um:svarint,node:varint
        0x14 surface_grid=origin_x_um:svarint,origin_y_um:svarint,spacing_um:varint,nx:u8,ny:u8
        0x20 hold=
        0x21 resume=
        0x22 emergency_stop=
        0x23 status_query=
        0x24 arm=
        0x25 flush_queue=
        0x26 cartridge_fitted=cartridge:str
        0x27 disarm=
        0x40 completions=count:u8,first_dot_id:varint,finished_at:varint,records:(header:u8,id_gap?:svarint,\
        peak_loads:u8xN|compact(u8,u8,s4x(N-2)))
        0x41 fault=code:varint,board_time:varint,dot_id:varint,value:svarint
        0x42 status=board_time:varint,schedule_time:varint,state:u8,queue_depth:varint,queue_free:varint,\
        x_um:svarint,y_um:svarint,z_um:svarint,motor_centihertz:varint,last_completed_dot:varint,active_fault:varint,\
        dot_in_progress:varint,surface_mode:u8
        0x43 touch_off_result=x_um:svarint,y_um:svarint,contact_z_um:svarint,peak_load_mN:u16le,outcome:u8
        0x44 stroke_detail=dot_id:varint,count:u8,strokes:(offset_us:varint,z_um:svarint,peak_load_mN:u16le,\
        bottom_load_mN:u16le,rate_centihertz:varint,counted:u8)xcount
        """

    /// CRC-32C of the canonical text.
    public static let hash: UInt32 = CRC32C.checksum(Array(canonicalText.utf8))
}

import CZlib
import Foundation

/// Just enough PNG decoding for checking browser screenshots: 8-bit RGB or RGBA, non-interlaced (what Chromium
/// writes), every filter type.
struct PNGImage {
    var width: Int
    var height: Int
    /// RGB per pixel, row by row.
    var pixels: [UInt8]

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) else {
            throw DecodeError(description: "not a PNG (bad signature)")
        }
        var offset = 8
        var compressed: [UInt8] = []
        var (width, height, colourType, bitDepth, interlace) = (0, 0, 0, 0, 0)
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        while offset + 8 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = offset + 8
            guard body + length <= bytes.count else {
                throw DecodeError(description: "chunk \(type) runs past the end")
            }
            if type == "IHDR" {
                (width, height) = (be32(body), be32(body + 4))
                (bitDepth, colourType, interlace) = (Int(bytes[body + 8]), Int(bytes[body + 9]), Int(bytes[body + 12]))
            } else if type == "IDAT" {
                compressed += bytes[body..<body + length]
            }
            offset = body + length + 4
        }
        guard bitDepth == 8, colourType == 2 || colourType == 6, interlace == 0 else {
            throw DecodeError(description: "unsupported PNG: depth \(bitDepth), colour type \(colourType)")
        }
        let channels = colourType == 6 ? 4 : 3
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var rawLength = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &rawLength, input.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK, Int(rawLength) == raw.count else {
            throw DecodeError(description: "zlib status \(status), \(rawLength) of \(raw.count) bytes")
        }
        var image = [UInt8](repeating: 0, count: height * stride)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            for column in 0..<stride {
                let x = Int(raw[row * (stride + 1) + 1 + column])
                let a = column >= channels ? Int(image[row * stride + column - channels]) : 0
                let b = row > 0 ? Int(image[(row - 1) * stride + column]) : 0
                let c = row > 0 && column >= channels ? Int(image[(row - 1) * stride + column - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw DecodeError(description: "row \(row): unknown filter \(filter)")
                }
                image[row * stride + column] = UInt8((x + predicted) & 0xFF)
            }
        }
        self.width = width
        self.height = height
        pixels = []
        pixels.reserveCapacity(width * height * 3)
        for index in 0..<width * height {
            pixels += image[index * channels..<index * channels + 3]
        }
    }

    /// How many pixels lie within `tolerance` (per channel) of `colour`.
    func count(near colour: (UInt8, UInt8, UInt8), tolerance: Int = 24) -> Int {
        var count = 0
        for index in stride(from: 0, to: pixels.count, by: 3)
        where abs(Int(pixels[index]) - Int(colour.0)) <= tolerance
            && abs(Int(pixels[index + 1]) - Int(colour.1)) <= tolerance
            && abs(Int(pixels[index + 2]) - Int(colour.2)) <= tolerance
        {
            count += 1
        }
        return count
    }
}

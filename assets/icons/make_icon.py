"""Draws Calame's application icon (1024x1024 PNG): a civic-blue tile with a white envelope.
Pure Python, no imaging library; run once, then
`ui/node_modules/.bin/tauri icon assets/icons/calame.png -o src-tauri/icons`."""
import math, struct, zlib

N = 1024
BLUE = (31, 95, 191)
WHITE = (255, 255, 255)

def clamp(x):
    return 0.0 if x < 0 else 1.0 if x > 1 else x

def rounded_rect_sd(x, y, cx, cy, hw, hh, r):
    qx, qy = abs(x - cx) - hw + r, abs(y - cy) - hh + r
    return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - r

def segment_sd(x, y, ax, ay, bx, by):
    px, py, vx, vy = x - ax, y - ay, bx - ax, by - ay
    t = clamp((px * vx + py * vy) / (vx * vx + vy * vy))
    return math.hypot(px - vx * t, py - vy * t)

rows = []
for j in range(N):
    row = bytearray([0])
    y = j + 0.5
    for i in range(N):
        x = i + 0.5
        tile = clamp(0.5 - rounded_rect_sd(x, y, 512, 512, 470, 470, 200))
        # Envelope outline: a rounded rectangle stroke and the flap's two strokes.
        body = abs(rounded_rect_sd(x, y, 512, 560, 300, 210, 40)) - 26
        flap = min(segment_sd(x, y, 230, 370, 512, 590), segment_sd(x, y, 794, 370, 512, 590)) - 26
        ink = clamp(0.5 - min(body, flap)) * tile
        r, g, b = (round(BLUE[k] * (1 - ink) + WHITE[k] * ink) for k in range(3))
        row += bytes((r, g, b, round(255 * tile)))
    rows.append(bytes(row))

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
open("calame.png", "wb").write(png)

package tray

import (
	"bytes"
	"encoding/binary"
)

// iconData wraps a PNG in an .ico file, the only form the Windows
// notification area takes (Vista and later read PNG inside .ico).
func iconData(png []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, struct {
		Reserved, Type, Count uint16
	}{0, 1, 1})
	binary.Write(&b, binary.LittleEndian, struct {
		Width, Height, Colors, Reserved uint8
		Planes, BitCount                uint16
		Size, Offset                    uint32
	}{iconSize, iconSize, 0, 0, 1, 32, uint32(len(png)), 6 + 16})
	b.Write(png)
	return b.Bytes()
}

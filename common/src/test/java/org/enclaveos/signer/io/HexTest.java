package org.enclaveos.signer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The fixed-width numbers every report shows: the field's full width, lower case, whatever the sign bit. */
class HexTest {
    @Test
    void numbersAreZeroPaddedToTheFieldsWidth() {
        assertEquals("0x0000000000000000", Hex.u64(0));
        assertEquals("0x0000000000000006", Hex.u64(6));
        assertEquals("0x8000000000000000", Hex.u64(Long.MIN_VALUE));
        assertEquals("0xffffffffffffff1f", Hex.u64(0xffffffffffffff1fL));
        assertEquals("0x00000000", Hex.u32(0));
        assertEquals("0x00008086", Hex.u32(0x8086));
        assertEquals("0xffffffff", Hex.u32(-1));
        assertEquals("0x00", Hex.u8(0));
        assertEquals("0x0a", Hex.u8(10));
        assertEquals("0xff", Hex.u8(0xff));
    }

    @Test
    void bytesRoundTrip() {
        byte[] b = {0, 1, (byte) 0xab, (byte) 0xff};
        assertEquals("0001abff", Hex.encode(b));
        assertEquals(4, Hex.decode("field", "0001ABFF", 4).length);
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("field", "0001abf", 4));
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("field", "0001abzz", 4));
    }
}

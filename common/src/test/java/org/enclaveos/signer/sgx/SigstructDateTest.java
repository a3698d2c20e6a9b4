package org.enclaveos.signer.sgx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.LocalDate;

import org.junit.jupiter.api.Test;

class SigstructDateTest {

    @Test
    void writesBcdAsTheSdmSpecifies() {
        // 2016-01-09 is stored as the u32 0x20160109 (bytes 09 01 16 20).
        assertEquals(0x20160109, SigstructDate.of(LocalDate.of(2016, 1, 9)).raw());
        assertEquals(0x20241231, SigstructDate.of(LocalDate.of(2024, 12, 31)).raw());
    }

    @Test
    void readsBcd() {
        SigstructDate d = SigstructDate.decode(0x20210406);
        assertEquals(SigstructDate.Encoding.BCD, d.encoding());
        assertEquals("2021-04-06", d.iso());
    }

    @Test
    void readsTheBinaryYearFormOlderToolsWrote() {
        // u16 year 2021 (0x07E5), then month 4, day 6: bytes E5 07 04 06.
        SigstructDate d = SigstructDate.decode(0x060407E5);
        assertEquals(SigstructDate.Encoding.BINARY_YEAR, d.encoding());
        assertEquals("2021-04-06", d.iso());
    }

    @Test
    void zeroIsNoDateAndGarbageIsUnknown() {
        assertEquals(SigstructDate.Encoding.NONE, SigstructDate.decode(0).encoding());
        SigstructDate garbage = SigstructDate.decode(0xFFFFFFFF);
        assertEquals(SigstructDate.Encoding.UNKNOWN, garbage.encoding());
        assertNull(garbage.iso());
        // BCD digits but no such day.
        assertEquals(SigstructDate.Encoding.UNKNOWN, SigstructDate.decode(0x20230231).encoding());
    }
}

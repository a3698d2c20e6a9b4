package org.enclaveos.signer.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.junit.jupiter.api.Test;

class MeasurementTest {

    @Test
    void copyForksTheRunningStateSoASharedPrefixIsHashedOnce() {
        PageSink.Measuring prefix = PageSink.measuring();
        prefix.ecreate(1, 0x10000);
        byte[] page = new byte[4096];
        page[7] = 42;
        prefix.addMeasuredPage(0, 0x203, page, 0);
        PageSink.Measuring sgx1 = prefix.copy();
        sgx1.eadd(0x1000, 0x207);
        sgx1.eadd(0x2000, 0x207);
        Hash256 withHeap = sgx1.mrenclave();
        Hash256 minimal = prefix.mrenclave();

        SgxsBuilder full = new SgxsBuilder().ecreate(1, 0x10000).eadd(0, 0x203);
        for (int c = 0; c < 16; c++) {
            full.eextend(c * 256L, java.util.Arrays.copyOfRange(page, c * 256, c * 256 + 256));
        }
        String minimalExpected = full.expectedMrenclave();
        full.eadd(0x1000, 0x207).eadd(0x2000, 0x207);
        assertEquals(full.expectedMrenclave(), withHeap.hex());
        assertEquals(minimalExpected, minimal.hex());
        assertNotEquals(withHeap, minimal);
    }

    @Test
    void refusesImpossibleOperations() {
        assertThrows(IllegalArgumentException.class, () -> Measurement.ecreate(1, 0x3000));
        assertThrows(IllegalArgumentException.class, () -> Measurement.ecreate(0, 0x4000));
        Measurement m = Measurement.ecreate(1, 0x4000);
        assertThrows(IllegalArgumentException.class, () -> m.eadd(0x4000, 0x201));
        assertThrows(IllegalArgumentException.class, () -> m.eadd(0x10, 0x201));
        assertThrows(IllegalArgumentException.class, () -> m.eextend(0x10, new byte[256], 0));
    }
}

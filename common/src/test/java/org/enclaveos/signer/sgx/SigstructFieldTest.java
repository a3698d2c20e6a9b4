package org.enclaveos.signer.sgx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SigstructFieldTest {

    @Test
    void fieldsAreContiguousAndCoverTheWholeStructure() {
        int next = 0;
        for (SigstructField f : SigstructField.values()) {
            assertEquals(next, f.offset(), f + " must start where the previous field ends");
            next = f.end();
        }
        assertEquals(Sigstruct.SIZE, next);
    }

    @Test
    void signedFieldsAreExactlyTheTwoPayloadRanges() {
        int signed = 0;
        for (int offset = 0; offset < Sigstruct.SIZE; offset++) {
            boolean inPayload = offset < 128 || (offset >= 900 && offset < 1028);
            assertEquals(inPayload, SigstructField.at(offset).signed(), "byte " + offset);
            signed += inPayload ? 1 : 0;
        }
        assertEquals(Sigstruct.PAYLOAD_SIZE, signed);
    }
}

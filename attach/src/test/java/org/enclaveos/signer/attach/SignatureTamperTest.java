package org.enclaveos.signer.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attach catches every single-byte change to a signed SIGSTRUCT's signed range, SIGNATURE, Q1 and Q2. */
class SignatureTamperTest {
    @TempDir
    Path dir;

    @Test
    void everyFlippedByteOfASignatureIsCaught() throws Exception {
        Sigstruct unsigned = Sigstruct.builder().isvProdId(1).isvSvn(2).attributes(new Attributes(4, 7))
                .attributeMask(new Attributes(-1L, ~0xE0L)).mrenclave(Hash256.sha256(new byte[] {5})).build();
        SigningRequest request = SigningRequest.create("t", "app", MemoryModel.SGX1, SigningRequest.Source.given(), null,
                null, "given", null, unsigned, null);
        RequestWriter.write(dir.resolve("req"), List.of(request), false, "t");
        RequestSet.Loaded loaded = RequestSet.load(List.of(dir.resolve("req"))).get(0);
        SigningKey key = org.enclaveos.signer.testing.TestKeys.key("k");
        byte[] good = SigstructSigner.sign(unsigned, key).toBytes();
        Path sigs = Files.createDirectories(dir.resolve("sig"));
        Path file = sigs.resolve("app.sgx1.sigstruct");
        Files.write(file, good);
        // Signatures from elsewhere: no response file, the signer pinned by the option.
        SignedRequest.Trust trust = new SignedRequest.Trust(java.util.Optional.of(key.mrsigner()), true, w -> { });
        SignedRequest.load(loaded, sigs, trust); // the untouched one passes

        int tried = 0;
        for (int offset = 0; offset < Sigstruct.SIZE; offset++) {
            SigstructField f = SigstructField.at(offset);
            if (!(f.signed() || f == SigstructField.SIGNATURE || f == SigstructField.Q1 || f == SigstructField.Q2)) {
                continue;
            }
            byte[] bad = good.clone();
            bad[offset] ^= 0x40;
            Files.write(file, bad);
            int at = offset;
            assertThrows(SignerException.class, () -> SignedRequest.load(loaded, sigs, trust), () -> "byte " + at + " (" + f + ")");
            tried++;
        }
        assertEquals(256 + 3 * 384, tried);
        System.out.println("SignatureTamperTest: " + tried + " single-byte changes to a SIGSTRUCT, all refused by attach");
    }
}

package org.enclaveos.signer.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attach trusts a signature only with its response, from the pinned signer, or with a signer named. */
class AttachTrustTest {
    @TempDir
    Path dir;
    SigningKey key;
    Sigstruct signed;
    Path sigs;
    List<String> warnings = new ArrayList<>();

    RequestSet.Loaded request(Hash256 pinned) {
        Sigstruct unsigned = Sigstruct.builder().isvProdId(1).isvSvn(2).attributes(new Attributes(4, 7))
                .attributeMask(new Attributes(-1L, ~0xE0L)).mrenclave(Hash256.sha256(new byte[] {5})).build();
        SigningRequest r = SigningRequest.create("t", "app", MemoryModel.SGX1, SigningRequest.Source.given(), null, null,
                "given", null, unsigned, pinned);
        Path d = dir.resolve(pinned == null ? "req" : "pinned-" + pinned.hex().substring(0, 8));
        RequestWriter.write(d, List.of(r), false, "t");
        signed = SigstructSigner.sign(unsigned, key);
        return RequestSet.load(List.of(d)).get(0);
    }

    @BeforeEach
    void setUp() throws Exception {
        key = org.enclaveos.signer.testing.TestKeys.key("k");
        sigs = Files.createDirectories(dir.resolve("sig"));
    }

    SigningResponse response(RequestSet.Loaded l, Sigstruct s) {
        return new SigningResponse(SigningResponse.SCHEMA, "t", "app", "sgx1", l.fileSha256().hex(), s.mrsigner().hex(),
                s.signingPayloadSha256().hex(), Hash256.sha256(s.toBytes()).hex());
    }

    void write(Sigstruct s, SigningResponse r) throws Exception {
        Files.write(sigs.resolve("app.sgx1.sigstruct"), s.toBytes());
        Files.deleteIfExists(sigs.resolve("app.sgx1.response.json"));
        if (r != null) {
            Files.write(sigs.resolve("app.sgx1.response.json"), r.toJson());
        }
    }

    SignedRequest.Trust trust(Hash256 expected, boolean withoutResponses) {
        return new SignedRequest.Trust(Optional.ofNullable(expected), withoutResponses, warnings::add);
    }

    @Test
    void aMissingResponseIsRefusedUnlessSignaturesComeFromElsewhereWithAPinnedSigner() throws Exception {
        RequestSet.Loaded l = request(null);
        write(signed, null);
        SignerException missing = assertThrows(SignerException.class, () -> SignedRequest.load(l, sigs, trust(null, false)));
        assertEquals(ErrorKind.INTEGRITY, missing.kind());
        assertTrue(missing.getMessage().startsWith(sigs.resolve("app.sgx1.response.json") + ": no such file"), missing.getMessage());
        SignerException unpinned = assertThrows(SignerException.class, () -> SignedRequest.load(l, sigs, trust(null, true)));
        assertEquals(ErrorKind.POLICY, unpinned.kind());
        assertTrue(unpinned.getMessage().endsWith("pins no signer, and --without-responses needs one: give "
                + "--expected-signer HEX or --signer-key PUB.pem"), unpinned.getMessage());
        assertEquals(signed, SignedRequest.load(l, sigs, trust(key.mrsigner(), true)).sigstruct());
        RequestSet.Loaded pinned = request(key.mrsigner());
        SignedRequest ok = SignedRequest.load(pinned, sigs, trust(null, true));
        assertEquals(pinned, ok.request());
        assertEquals(signed, ok.sigstruct());
        // A request pinned to another key: refused whatever else is given.
        Hash256 someoneElse = org.enclaveos.signer.testing.TestKeys.key("other").mrsigner();
        RequestSet.Loaded elsewhere = request(someoneElse);
        SignerException e = assertThrows(SignerException.class, () -> SignedRequest.load(elsewhere, sigs, trust(null, true)));
        assertEquals(ErrorKind.POLICY, e.kind());
        assertTrue(e.getMessage().endsWith("signed by " + key.mrsigner() + ", but the request pins " + someoneElse),
                e.getMessage());
    }

    @Test
    void anyOtherSignerThanTheExpectedOneIsRefusedAndNoPinAtAllIsWarned() throws Exception {
        RequestSet.Loaded l = request(null);
        write(signed, response(l, signed));
        Hash256 other = org.enclaveos.signer.testing.TestKeys.key("other").mrsigner();
        SignerException e = assertThrows(SignerException.class, () -> SignedRequest.load(l, sigs, trust(other, false)));
        assertEquals(ErrorKind.POLICY, e.kind());
        assertTrue(e.getMessage().endsWith("signed by " + key.mrsigner() + ", but --expected-signer is " + other),
                e.getMessage());
        SignedRequest.load(l, sigs, trust(key.mrsigner(), false));
        assertEquals(List.of(), warnings);
        SignedRequest.load(l, sigs, trust(null, false));
        assertEquals(List.of("WARNING: app.sgx1: no signer pinned (by the request or --expected-signer); accepting "
                + "MRSIGNER " + key.mrsigner()), warnings);
    }

    @Test
    void theResponseMustNameThisRequestThisSignerAndTheseBytes() throws Exception {
        RequestSet.Loaded l = request(key.mrsigner());
        SigningResponse good = response(l, signed);
        write(signed, good);
        SignedRequest.load(l, sigs, trust(null, false));
        String z = "00".repeat(32);
        SigningResponse[] bad = {
            new SigningResponse(good.schema(), "t", "app", "sgx1", z, good.mrsigner(), good.signingPayloadSha256(), good.sigstructSha256()),
            new SigningResponse(good.schema(), "t", "other", "sgx1", good.requestSha256(), good.mrsigner(), good.signingPayloadSha256(), good.sigstructSha256()),
            new SigningResponse(good.schema(), "t", "app", "sgx2", good.requestSha256(), good.mrsigner(), good.signingPayloadSha256(), good.sigstructSha256()),
            new SigningResponse(good.schema(), "t", "app", "sgx1", good.requestSha256(), z, good.signingPayloadSha256(), good.sigstructSha256()),
            new SigningResponse(good.schema(), "t", "app", "sgx1", good.requestSha256(), good.mrsigner(), z, good.sigstructSha256()),
            new SigningResponse(good.schema(), "t", "app", "sgx1", good.requestSha256(), good.mrsigner(), good.signingPayloadSha256(), z),
            new SigningResponse("enclaveos-signer/response/v0", "t", "app", "sgx1", good.requestSha256(), good.mrsigner(), good.signingPayloadSha256(), good.sigstructSha256())};
        String[] field = {"requestSha256", "name", "memoryModel", "mrsigner", "signingPayloadSha256", "sigstructSha256", "schema"};
        for (int i = 0; i < bad.length; i++) {
            write(signed, bad[i]);
            SignerException e = assertThrows(SignerException.class, () -> SignedRequest.load(l, sigs, trust(null, false)),
                    field[i]);
            assertTrue(e.getMessage().startsWith(sigs.resolve("app.sgx1.response.json") + ": " + field[i] + " is "),
                    e.getMessage());
        }
    }
}

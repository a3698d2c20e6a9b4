package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.crypto.PassphraseSource;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.SdkEnclaveImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An SGX SDK enclave re-signed with a fresh key through the three real steps. */
class EnclaveResignTest {
    @TempDir
    Path dir;
    Path enclave;
    Path newKey;
    Path original;

    @BeforeEach
    void enclaveSignedByTheVendor() throws IOException {
        byte[] placeholder = Sigstruct.builder().mrenclave(Hash256.sha256(new byte[0])).build().toBytes();
        Hash256 mrenclave = Hash256.parse("m", SdkEnclaveImage.expected(SdkEnclaveImage.build(placeholder)).expectedMrenclave());
        SigningKey vendor = PemKeys.generate("vendor");
        Sigstruct vendorSigned = SigstructSigner.sign(Sigstruct.builder().isvProdId(9).isvSvn(2)
                .date(SigstructDate.of(java.time.LocalDate.of(2021, 4, 6)))
                .attributes(new Attributes(0x4, 0x3)).attributeMask(new Attributes(-1L, 0xffffffffffffff1bL))
                .miscMask(0xffffffff).mrenclave(mrenclave).build(), vendor);
        enclave = Files.write(dir.resolve("enclave.signed.so"), SdkEnclaveImage.build(vendorSigned.toBytes()));
        original = dir.resolve("original.so");
        Files.copy(enclave, original);
        newKey = dir.resolve("ours.pem");
        assertEquals(0, run("keygen", "--out", newKey.toString()).exitCode());
    }

    static CliRun run(String... args) {
        return CliRun.run(new EnclaveosSigner(), args);
    }

    CliRun prepare(String out, String... extra) {
        String[] args = new String[extra.length + 5];
        args[0] = "prepare";
        args[1] = "--enclave";
        args[2] = enclave.toString();
        args[3] = "--out";
        args[4] = dir.resolve(out).toString();
        System.arraycopy(extra, 0, args, 5, extra.length);
        return run(args);
    }

    @Test
    void prepareSignAttachVerify() throws IOException {
        CliRun p = prepare("req", "--production");
        assertEquals(0, p.exitCode(), p::toString);
        RequestSet.Loaded req = RequestSet.load(java.util.List.of(dir.resolve("req"))).get(0);
        assertEquals("enclave", req.request().source().kind());
        assertEquals(9, req.unsigned().isvProdId(), "kept from the file's SIGSTRUCT");
        assertEquals(2, req.unsigned().isvSvn());
        assertEquals("2021-04-06", req.unsigned().date().iso(), "DATE kept unless --date");
        assertFalse(req.unsigned().debug());

        CliRun s = run("sign-offline", dir.resolve("req").toString(), "--key", newKey.toString(), "--out",
                dir.resolve("sig").toString(), "--yes", "--production");
        assertEquals(0, s.exitCode(), s::toString);
        Path out = dir.resolve("resigned.signed.so");
        CliRun a = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(),
                "--enclave-out", out.toString());
        assertEquals(0, a.exitCode(), a::toString);
        CliRun v = run("verify", out.toString(), "--public-key", publicKey().toString());
        assertEquals(0, v.exitCode(), v::toString);

        Hash256 ours = PemKeys.loadSigningKey(newKey, PassphraseSource.NONE).mrsigner();
        byte[] before = Files.readAllBytes(original);
        byte[] after = Files.readAllBytes(out);
        assertEquals(before.length, after.length);
        for (SignedEnclave.MetadataBlock b : SignedEnclave.read(out).blocks()) {
            assertEquals(ours, b.sigstruct().mrsigner(), "block " + b.index());
            int at = (int) b.sigstructFileOffset();
            System.arraycopy(before, at, after, at, Sigstruct.SIZE);
        }
        assertArrayEquals(before, after, "every byte outside the SIGSTRUCT copies equals the input");
    }

    @Test
    void isvValuesCanBeChangedAndAMismatchedFileIsRefused() throws IOException {
        CliRun p = prepare("req", "--isvsvn", "3");
        assertEquals(0, p.exitCode(), p::toString);
        assertEquals(3, RequestSet.load(java.util.List.of(dir.resolve("req"))).get(0).unsigned().isvSvn());

        byte[] code = Files.readAllBytes(enclave);
        code[0x1234] ^= 1;
        Files.write(enclave, code);
        CliRun bad = prepare("req2");
        assertEquals(8, bad.exitCode(), bad::toString);
        assertTrue(bad.lastErrLine().contains("metadata block 0 (v2.4) measures "), bad.err());
        assertTrue(bad.lastErrLine().contains("but the SIGSTRUCT in the file says"), bad.err());
    }

    @Test
    void attachRefusesAChangedInputAnotherPayloadAndAnUnpinnedKey() throws IOException {
        assertEquals(0, prepare("req").exitCode());
        assertEquals(0, run("sign-offline", dir.resolve("req").toString(), "--key", newKey.toString(), "--out",
                dir.resolve("sig").toString(), "--yes").exitCode());
        Path out = dir.resolve("out.so");

        // 1. The enclave changed after prepare.
        byte[] changed = Files.readAllBytes(enclave);
        changed[changed.length - 1] ^= 1;
        Files.write(enclave, changed);
        CliRun r1 = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(),
                "--enclave-out", out.toString());
        assertEquals(8, r1.exitCode(), r1::toString);
        assertTrue(r1.lastErrLine().contains("changed since prepare"), r1.err());
        assertFalse(Files.exists(out));
        Files.copy(original, enclave, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        // 2. A signature over another payload (a request with another ISVSVN), under the right name.
        assertEquals(0, prepare("other", "--isvsvn", "5").exitCode());
        assertEquals(0, run("sign-offline", dir.resolve("other").toString(), "--key", newKey.toString(), "--out",
                dir.resolve("othersig").toString(), "--yes").exitCode());
        Files.copy(dir.resolve("othersig/enclave.sigstruct"), dir.resolve("sig/enclave.sigstruct"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(dir.resolve("sig/enclave.response.json"));
        CliRun r2 = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(),
                "--enclave-out", out.toString());
        assertEquals(8, r2.exitCode(), r2::toString);
        assertTrue(r2.lastErrLine().contains("signs another payload"), r2.err());
        assertFalse(Files.exists(out));

        // 3. A request that pins another signer, signed (through an unpinned twin) by our key.
        Hash256 someoneElse = PemKeys.generate("else").mrsigner();
        assertEquals(0, prepare("pinned", "--expected-signer", someoneElse.hex()).exitCode());
        assertEquals(0, run("sign-offline", dir.resolve("req").toString(), "--key", newKey.toString(), "--out",
                dir.resolve("sig2").toString(), "--yes").exitCode());
        Files.delete(dir.resolve("sig2/enclave.response.json"));
        CliRun r3 = run("attach", dir.resolve("pinned").toString(), "--signatures", dir.resolve("sig2").toString(),
                "--enclave-out", out.toString());
        assertEquals(7, r3.exitCode(), r3::toString);
        assertTrue(r3.lastErrLine().contains("but the request pins " + someoneElse), r3.err());
        assertFalse(Files.exists(out));

        // 4. Through the command line: --expected-signer names another key; the response is missing;
        //    --without-responses with the right --signer-key attaches, an unpinned run warns.
        assertEquals(0, run("sign-offline", dir.resolve("req").toString(), "--key", newKey.toString(), "--out",
                dir.resolve("sig3").toString(), "--yes").exitCode());
        CliRun r4 = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig3").toString(),
                "--enclave-out", out.toString(), "--expected-signer", someoneElse.hex());
        assertEquals(7, r4.exitCode(), r4::toString);
        assertTrue(r4.lastErrLine().contains("but --expected-signer is " + someoneElse), r4.err());
        Files.move(dir.resolve("sig3/enclave.response.json"), dir.resolve("enclave.response.json"));
        CliRun r5 = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig3").toString(),
                "--enclave-out", out.toString());
        assertEquals(8, r5.exitCode(), r5::toString);
        assertTrue(r5.lastErrLine().contains("enclave.response.json: no such file"), r5.err());
        CliRun r6 = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig3").toString(),
                "--enclave-out", out.toString(), "--without-responses", "--signer-key", publicKey().toString());
        assertEquals(0, r6.exitCode(), r6::toString);
        assertFalse(r6.err().contains("WARNING"), r6.err());
        Files.move(dir.resolve("enclave.response.json"), dir.resolve("sig3/enclave.response.json"));
        CliRun r7 = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig3").toString(),
                "--enclave-out", dir.resolve("out2.so").toString());
        assertEquals(0, r7.exitCode(), r7::toString);
        assertTrue(r7.err().contains("WARNING: enclave: no signer pinned (by the request or --expected-signer)"), r7.err());
    }

    private Path publicKey() {
        Path pub = dir.resolve("ours.pub.pem");
        if (!Files.exists(pub)) {
            PemKeys.writePublicKey(PemKeys.loadSigningKey(newKey, PassphraseSource.NONE).publicKey(), pub);
        }
        return pub;
    }
}

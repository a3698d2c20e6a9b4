package org.enclaveos.signer.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrepareCommandTest {
    @TempDir
    Path dir;

    /** The prepare options that reproduce each public vector's signed fields. */
    static String[] vectorOptions(String vector) {
        return switch (vector) {
            case "kernel-selftest/encl.ss" -> new String[] {"--mrenclave",
                "b999536238fcf4e9d360ef6cd3e0c20ef8a684c7b93f74a9c4a4c6d517d61fc0", "--isvprodid", "0", "--isvsvn", "0",
                "--date", "0000-00-00", "--attributes", "0x4/0x3", "--attribute-mask", "0/0", "--misc-mask", "0"};
            case "fortanix-sig1/sig1.sigstruct.bin" -> new String[] {"--mrenclave",
                "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d", "--isvprodid", "0", "--isvsvn", "0",
                "--date", "2016-01-09", "--attributes", "0x4/0x3", "--attribute-mask",
                "0xfffffffffffffffd/0xffffffffffffff1b", "--misc-mask", "0xffffffff"};
            case "intel-le/le_prod_css.v2.25.bin" -> new String[] {"--mrenclave",
                "7881af9f9def547da9908c008f29cde9bd78064e36ac7e14c83c294ca4806150", "--isvprodid", "32", "--isvsvn", "7",
                "--vendor", "0x8086", "--swdefined", "0x10", "--date", "2024-08-11", "--attributes", "0x24/0x3",
                "--attribute-mask", "0xff00ffffffffffff/0xffffffffffffff1b", "--misc-mask", "0xffffffff"};
            default -> throw new IllegalArgumentException(vector);
        };
    }

    static CliRun prepare(Path out, String name, String... options) {
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of("--out", out.toString(), "--name", name));
        return CliRun.run(new PrepareCommand(), args.toArray(String[]::new));
    }

    @ParameterizedTest
    @CsvSource({"kernel-selftest/encl.ss, 58ef2b4fe0ba7861c3a466fcd016498245640165f7e225381425500e3dfd46f3",
        "fortanix-sig1/sig1.sigstruct.bin, ea7ced3b8c78324bce65ad851152a125fd1989df324dc72b244ed5f44573ac95",
        "intel-le/le_prod_css.v2.25.bin, "})
    void reproducesTheSigningPayloadOfEachVectorFromItsFields(String vector, String payloadSha256) throws IOException {
        Sigstruct expected = Sigstruct.read(Vectors.file(vector));
        CliRun r = prepare(dir, "v", vectorOptions(vector));
        assertEquals(0, r.exitCode(), r::toString);
        SigningRequest req = SigningRequest.parse(Files.readAllBytes(dir.resolve("v.request.json")), "v");
        assertArrayEquals(expected.signingPayload(), req.unsigned().signingPayload());
        assertEquals(expected.unsigned(), req.checkConsistency("v.request.json"));
        if (payloadSha256 != null) {
            assertEquals(payloadSha256, req.signingPayloadSha256());
        }
    }

    @Test
    void measuresAnSgxsStreamAndIsByteIdenticalOnRerun() throws IOException {
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 0x4000).measuredPage(0, 0x100, 1).eadd(0x1000, 0x203);
        Path sgxs = Files.write(dir.resolve("app.sgxs"), b.bytes());
        Path out = dir.resolve("req");
        String[] args = {"--sgxs", sgxs.toString(), "--isvprodid", "0x10", "--isvsvn", "3", "--production",
            "--date", "2026-11-26", "--memory-model", "full", "--out", out.toString()};
        CliRun first = CliRun.run(new PrepareCommand(), args);
        assertEquals(0, first.exitCode(), first::toString);
        Path file = out.resolve("app.sgx1.request.json");
        byte[] bytes = Files.readAllBytes(file);
        byte[] bundle = Files.readAllBytes(out.resolve("bundle.json"));
        SigningRequest req = SigningRequest.parse(bytes, "r");
        assertEquals(b.expectedMrenclave(), req.mrenclave());
        assertEquals("measured-sgxs", req.mrenclaveSource());
        assertEquals(16, req.unsigned().isvProdId());
        assertFalse(req.unsigned().debug());
        assertEquals("2026-11-26", req.unsigned().date().iso());
        assertEquals("", first.err(), "no debug note for a production request");

        CliRun again = CliRun.run(new PrepareCommand(), args);
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.out().startsWith("unchanged "), again.out());
        assertArrayEquals(bytes, Files.readAllBytes(file));
        assertArrayEquals(bundle, Files.readAllBytes(out.resolve("bundle.json")));
        assertEquals(1, RequestSet.load(List.of(out)).size());
    }

    @Test
    void neverOverwritesADifferentRequestUnlessForced() throws IOException {
        String[] base = vectorOptions("fortanix-sig1/sig1.sigstruct.bin");
        assertEquals(0, prepare(dir, "x", base).exitCode());
        String[] changed = base.clone();
        changed[5] = "1"; // --isvsvn 1
        CliRun refused = prepare(dir, "x", changed);
        assertEquals(6, refused.exitCode(), refused::toString);
        assertEquals("enclaveos-signer: " + dir.resolve("x.request.json") + ": a request with other content is already "
                + "there; not overwritten (use --force to replace it)", refused.errLines()[0]);
        List<String> forced = new ArrayList<>(List.of(changed));
        forced.add("--force");
        assertEquals(0, prepare(dir, "x", forced.toArray(String[]::new)).exitCode());
        assertEquals(1, RequestSet.load(List.of(dir)).get(0).unsigned().isvSvn());
    }

    @Test
    void debugIsTheDefaultAndSaidSo() throws IOException {
        CliRun r = prepare(dir, "d", "--mrenclave", "00".repeat(32), "--isvprodid", "1", "--isvsvn", "1", "--date", "2020-01-01");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("d is a DEBUG request"), r.err());
        Sigstruct s = RequestSet.load(List.of(dir)).get(0).unsigned();
        assertEquals(0x6, s.attributes().flags());
        assertEquals(0x7, s.attributes().xfrm());
        assertEquals(-1L, s.attributeMask().flags());
        assertEquals(0xffffffffffffff1fL, s.attributeMask().xfrm());
        assertEquals(0xfffffffe, s.miscMask());
    }

    @Test
    void refusesBadValuesAndContradictions() {
        String mr = "00".repeat(32);
        CliRun range = prepare(dir, "a", "--mrenclave", mr, "--isvprodid", "65536", "--isvsvn", "0");
        assertEquals(2, range.exitCode(), range::toString);
        assertTrue(range.err().contains("'65536' is outside 0..65535"), range.err());
        CliRun missing = prepare(dir, "a", "--mrenclave", mr, "--isvsvn", "0");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertEquals("enclaveos-signer: --isvprodid and --isvsvn are required when there is no converter signature to keep "
                + "them from", missing.errLines()[0]);
        CliRun contra = prepare(dir, "a", "--mrenclave", mr, "--isvprodid", "0", "--isvsvn", "0", "--production",
                "--attribute-mask", "0xfffffffffffffffd/0xff");
        assertEquals(2, contra.exitCode(), contra::toString);
        assertTrue(contra.errLines()[0].contains("--production contradicts --attribute-mask"), contra.err());
        CliRun badDate = prepare(dir, "a", "--mrenclave", mr, "--isvprodid", "0", "--isvsvn", "0", "--date", "2020-02-30");
        assertEquals(2, badDate.exitCode(), badDate::toString);
        assertEquals("enclaveos-signer: --date '2020-02-30': expected YYYY-MM-DD with a year from 0001 to 9999, or 0000-00-00", badDate.errLines()[0]);
        CliRun both = CliRun.run(new PrepareCommand(), "--mrenclave", mr, "--sgxs", "x", "--out", dir.toString());
        assertEquals(2, both.exitCode(), both::toString);
        assertFalse(Files.exists(dir.resolve("a.request.json")), "nothing written on refusal");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--attributes|0x5/0x3|Invalid value for option '--attributes': '0x5/0x3' sets INIT (0x1), which must be clear in a SIGSTRUCT",
        "--date|+10000-01-01|--date '+10000-01-01': expected YYYY-MM-DD with a year from 0001 to 9999, or 0000-00-00",
        "--date|2026-02-30|--date '2026-02-30': expected YYYY-MM-DD with a year from 0001 to 9999, or 0000-00-00",
        "--isvsvn|65536|Invalid value for option '--isvsvn': '65536' is outside 0..65535",
        "--attribute-mask|0x1/0x2/0x3|Invalid value for option '--attribute-mask': '0x1/0x2/0x3' must be FLAGS/XFRM, e.g. 0x4/0x3",
        "--isvfamilyid|abcd|--isvfamilyid: expected 32 hex digits, got 4",
        "--max-measured-size|4095|Invalid value for option '--max-measured-size': '4095' is less than one page (4096 bytes)"})
    void valuesAUserControlsAreRefusedWithTheOptionsNameNotAsInternalErrors(String option, String value, String message) {
        List<String> args = new ArrayList<>(List.of("--mrenclave", "ab".repeat(32), "--isvprodid", "1", "--isvsvn", "1"));
        int at = args.indexOf(option);
        if (at >= 0) {
            args.set(at + 1, value);
        } else {
            args.addAll(List.of(option, value));
        }
        CliRun r = prepare(dir.resolve("o"), "x", args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains(message), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test
    void prepareNeverWritesAControlCharacterNorATargetThatIsNotAReference() throws IOException {
        Path sgxs = Files.write(dir.resolve("a\u001b[2Ab.sgxs"), new SgxsBuilder().ecreate(1, 0x4000)
                .measuredPage(0, 0x100, 1).bytes());
        CliRun path = prepare(dir.resolve("o"), "x", "--sgxs", sgxs.toString(), "--isvprodid", "1", "--isvsvn", "1");
        assertEquals(4, path.exitCode(), path::toString);
        assertTrue(path.lastErrLine().contains("field source.file would hold the control or format character U+001B; "
                + "refused"), path.err());
        assertTrue(path.lastErrLine().contains("a\\u001b[2Ab.sgxs"), path.err());
        CliRun bidi = prepare(dir.resolve("o"), "x", "--mrenclave", "ab".repeat(32), "--isvprodid", "1", "--isvsvn", "1",
                "--target", "registry.example/app:1\u202e");
        assertEquals(4, bidi.exitCode(), bidi::toString);
        assertTrue(bidi.lastErrLine().contains("field target would hold the control or format character U+202E"), bidi.err());
        CliRun notRef = prepare(dir.resolve("o"), "x", "--mrenclave", "ab".repeat(32), "--isvprodid", "1", "--isvsvn", "1",
                "--target", "https://registry.example/app:1");
        assertEquals(2, notRef.exitCode(), notRef::toString);
        assertTrue(notRef.lastErrLine().contains("field target is 'https://registry.example/app:1', not an image reference"),
                notRef.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }

    /** prepare ends with the batch digest of what it wrote: the line approvers sign, as sign-offline computes it. */
    @Test
    void prepareEndsWithTheBatchDigestOfItsRequests() {
        Path out = dir.resolve("digest");
        CliRun r = prepare(out, "app", "--mrenclave", "ab".repeat(32), "--isvprodid", "1", "--isvsvn", "2", "--production",
                "--date", "2026-11-29");
        assertEquals(0, r.exitCode(), r::toString);
        List<org.enclaveos.signer.request.SigningRequest> written = org.enclaveos.signer.request.RequestSet
                .load(List.of(out)).stream().map(org.enclaveos.signer.request.RequestSet.Loaded::request).toList();
        String digest = org.enclaveos.signer.request.BatchDigest.of(written, true, java.util.Set.of()).hex();
        assertTrue(r.out().endsWith("batch digest " + digest + " (--production)\n"), r.out());
    }
}

package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.VerifyingKey;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * One signing ceremony over a checked set of requests. {@link #plan} decides everything before a
 * single signature is made: policy, pinned signers, and what is already in the output directory;
 * {@link #run} then signs (or assembles imported signatures), writes each SIGSTRUCT and its response
 * atomically, and journals every step. A rerun skips what is already signed identically, so an
 * interrupted ceremony resumes; different content already there is refused.
 */
final class Ceremony {

    /** Makes the SIGSTRUCT for one request: signs with a key, or assembles an imported signature. */
    @FunctionalInterface
    interface Signer {
        Sigstruct sign(RequestSet.Loaded request);
    }

    enum Status { TO_SIGN, ALREADY_SIGNED }

    record Item(RequestSet.Loaded request, Status status, List<String> flags) {
        Path sigstructFile(Path out) {
            return out.resolve(request.id() + SigningResponse.SIGSTRUCT_SUFFIX);
        }

        Path responseFile(Path out) {
            return out.resolve(request.id() + SigningResponse.FILE_SUFFIX);
        }
    }

    record Plan(List<Item> items, VerifyingKey signer, boolean production, Path out) {
        long toSign() {
            return items.stream().filter(i -> i.status() == Status.TO_SIGN).count();
        }
    }

    private Ceremony() {
    }

    static Plan plan(List<RequestSet.Loaded> requests, VerifyingKey signer, boolean production, Path out) {
        List<Item> items = new ArrayList<>();
        for (RequestSet.Loaded l : requests) {
            Sigstruct s = l.unsigned();
            List<String> flags = new ArrayList<>();
            boolean debugSet = s.attributes().has(Attributes.DEBUG);
            boolean maskOpen = !s.attributeMask().has(Attributes.DEBUG);
            if (production && debugSet) {
                throw new SignerException(ErrorKind.POLICY, l.file() + ": ATTRIBUTES.DEBUG is set; a --production "
                        + "ceremony signs production requests only");
            }
            if (production && maskOpen) {
                throw new SignerException(ErrorKind.POLICY, l.file() + ": ATTRIBUTEMASK does not enforce DEBUG, so the "
                        + "signed enclave would also launch in debug mode; refused in a --production ceremony");
            }
            if (debugSet) {
                flags.add("DEBUG set: launches in debug mode only");
            } else if (maskOpen) {
                flags.add("ATTRIBUTEMASK leaves DEBUG open: also launches in debug mode");
            }
            l.request().pinnedMrsigner().ifPresent(pinned -> {
                if (signer != null && !pinned.equals(signer.mrsigner())) {
                    throw new SignerException(ErrorKind.POLICY, l.file() + ": the request pins signer " + pinned
                            + ", this key is " + signer.mrsigner());
                }
            });
            Item item = new Item(l, Status.TO_SIGN, List.copyOf(flags));
            items.add(new Item(l, existing(item, out, signer), item.flags()));
        }
        return new Plan(List.copyOf(items), signer, production, out);
    }

    /** ALREADY_SIGNED if the output holds this request signed by this key; refused if it holds anything else. */
    private static Status existing(Item item, Path out, VerifyingKey signer) {
        Path file = item.sigstructFile(out);
        if (!Files.exists(file)) {
            return Status.TO_SIGN;
        }
        Sigstruct present;
        try {
            present = Sigstruct.read(file);
        } catch (SignerException e) {
            throw refuseExisting(file, "it is not a valid SIGSTRUCT");
        }
        if (!present.sameSignedFields(item.request().unsigned())) {
            throw refuseExisting(file, "it signs other fields than " + item.request().file());
        }
        if (!SigstructVerifier.verify(present).valid()) {
            throw refuseExisting(file, "its signature does not verify");
        }
        if (signer != null && !present.mrsigner().equals(signer.mrsigner())) {
            throw refuseExisting(file, "it was signed by " + present.mrsigner() + ", not this key");
        }
        return Status.ALREADY_SIGNED;
    }

    private static SignerException refuseExisting(Path file, String why) {
        return new SignerException(ErrorKind.OUTPUT_EXISTS, file + ": already exists and " + why + "; not overwritten");
    }

    record Result(int signed, int alreadySigned) {
    }

    static Result run(Plan plan, Signer signer, Journal journal, String ceremonyId, String keySource, String toolVersion) {
        try {
            Files.createDirectories(plan.out());
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, plan.out() + ": cannot create: " + AtomicFiles.describe(e), e);
        }
        ObjectNode start = Journal.fields();
        start.put("ceremonyId", ceremonyId);
        start.put("mrsigner", plan.signer() == null ? null : plan.signer().mrsigner().hex());
        start.put("key", keySource);
        start.put("production", plan.production());
        ArrayNode list = start.putArray("requests");
        for (Item i : plan.items()) {
            list.addObject().put("id", i.request().id()).put("requestSha256", i.request().fileSha256().hex())
                    .put("signingPayloadSha256", i.request().request().signingPayloadSha256());
        }
        journal.append("ceremony-start", start);
        int signed = 0;
        int skipped = 0;
        try {
            for (Item i : plan.items()) {
                Path ssFile = i.sigstructFile(plan.out());
                Sigstruct result;
                if (i.status() == Status.ALREADY_SIGNED) {
                    result = Sigstruct.read(ssFile);
                } else {
                    result = signer.sign(i.request());
                    // The signer verified the SIGSTRUCT; check once more that it signs exactly this request.
                    if (!result.sameSignedFields(i.request().unsigned()) || !SigstructVerifier.verify(result).valid()) {
                        throw new SignerException(ErrorKind.VERIFICATION_FAILED, i.request().id()
                                + ": the signer returned a SIGSTRUCT that does not verify over this request");
                    }
                    AtomicFiles.createOrConfirm(ssFile, result.toBytes(), false);
                }
                Hash256 ssSha = Hash256.sha256(result.toBytes());
                SigningResponse response = new SigningResponse(SigningResponse.SCHEMA, toolVersion, i.request().request().name(),
                        i.request().request().memoryModel(), i.request().fileSha256().hex(), result.mrsigner().hex(),
                        result.signingPayloadSha256().hex(), ssSha.hex());
                AtomicFiles.createOrConfirm(i.responseFile(plan.out()), response.toJson(), false);
                ObjectNode line = Journal.fields();
                line.put("ceremonyId", ceremonyId);
                line.put("id", i.request().id());
                line.put("requestSha256", i.request().fileSha256().hex());
                line.put("signingPayloadSha256", result.signingPayloadSha256().hex());
                line.put("mrsigner", result.mrsigner().hex());
                line.put("sigstructSha256", ssSha.hex());
                journal.append(i.status() == Status.ALREADY_SIGNED ? "already-signed" : "signed", line);
                if (i.status() == Status.ALREADY_SIGNED) {
                    skipped++;
                } else {
                    signed++;
                }
            }
        } catch (SignerException e) {
            ObjectNode failed = Journal.fields();
            failed.put("ceremonyId", ceremonyId);
            failed.put("error", e.getMessage());
            failed.put("signed", signed);
            journal.append("ceremony-failed", failed);
            throw e;
        }
        ObjectNode end = Journal.fields();
        end.put("ceremonyId", ceremonyId);
        end.put("signed", signed);
        end.put("alreadySigned", skipped);
        journal.append("ceremony-end", end);
        return new Result(signed, skipped);
    }
}

// No admission control: every request is admitted.
import type { AdmissionController, AdmissionTicket } from '../services.ts';

const TICKET: AdmissionTicket = { release() {} };

export class OpenAdmission implements AdmissionController {
  tryAcquire(): AdmissionTicket {
    return TICKET;
  }
}

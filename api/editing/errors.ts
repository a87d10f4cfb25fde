import type { FieldError } from '../../schemas/validate.ts';
import { HttpProblem } from '../problem.ts';

/** 422: the request was understood but its content is invalid; `errors` lists every invalid field. */
export class InvalidContent extends HttpProblem {
  constructor(readonly errors: FieldError[]) {
    super(422, 'Unprocessable Content', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors });
  }
}

export class PreconditionRequired extends HttpProblem {
  constructor() {
    super(428, 'Precondition Required', 'send If-Match with the ETag of the feature you read, so a newer change is not overwritten');
  }
}

export class PreconditionFailed extends HttpProblem {
  constructor(current?: string) {
    super(412, 'Precondition Failed', 'the feature has changed since you read it; reload it and apply your change again', current ? { currentETag: current } : {});
  }
}

export class Conflict extends HttpProblem {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

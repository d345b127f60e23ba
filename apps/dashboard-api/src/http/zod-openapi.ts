import { Body, Param, Query } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { RequestPart, ZodValidationPipe } from './zod-validation.pipe';

/**
 * The zod schema that validates a request is also what documents it: these decorators feed the
 * OpenAPI document from the same schema, so the two can never disagree.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaObject {
  return z.toJSONSchema(schema, {
    io,
    target: 'openapi-3.0',
    unrepresentable: 'any',
  }) as SchemaObject;
}

type MethodDecoratorFn = (
  target: object,
  key: string | symbol,
  descriptor: PropertyDescriptor,
) => void;

/** Applies method-level documentation from inside a parameter decorator. */
function documentMethod(target: object, key: string | symbol | undefined, doc: MethodDecoratorFn) {
  if (key === undefined) return;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor) doc(target, key, descriptor);
}

function properties(schema: z.ZodObject, io: 'input' | 'output') {
  const json = openApiSchema(schema, io);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    schema: property as SchemaObject,
    required: required.has(name),
    description: (property as SchemaObject).description,
  }));
}

function validated(schema: z.ZodType, part: RequestPart) {
  return new ZodValidationPipe(schema, part);
}

/** The validated query string, documented parameter by parameter. */
export function ZodQuery(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Query(validated(schema, 'query'))(target, key as string, index);
    for (const parameter of properties(schema, 'input')) {
      documentMethod(target, key, ApiQuery(parameter));
    }
  };
}

/** The validated path parameters, documented one by one. */
export function ZodParams(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Param(validated(schema, 'path'))(target, key as string, index);
    for (const parameter of properties(schema, 'input')) {
      documentMethod(target, key, ApiParam({ ...parameter, required: true }));
    }
  };
}

/** The validated JSON body. */
export function ZodBody(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Body(validated(schema, 'body'))(target, key as string, index);
    documentMethod(target, key, ApiBody({ schema: openApiSchema(schema, 'input') }));
  };
}

/** Documents a response body with the zod schema that types it. */
export function ZodResponse(status: number, schema: z.ZodType, description: string) {
  return ApiResponse({ status, description, schema: openApiSchema(schema, 'output') });
}

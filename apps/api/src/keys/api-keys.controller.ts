import { API_KEY_ROLES } from '@fer/contracts';
import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodPipe } from '../common/zod-body.pipe';
import { RequireRole } from './api-key-roles';
import { ApiKeysService } from './api-keys.service';

const createKeySchema = z.object({ name: z.string().min(1).max(100), role: z.enum(API_KEY_ROLES) }).strict();

@ApiTags('keys')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@Body(new ZodPipe(createKeySchema)) body: z.infer<typeof createKeySchema>) {
    return this.keys.create(body.name, body.role);
  }

  @Get()
  list() {
    return this.keys.list();
  }

  @Delete(':id')
  revoke(@Param('id') id: string) {
    return this.keys.revoke(id);
  }
}
